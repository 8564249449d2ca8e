// The AWS SDK warns once per process that releases after January 2027 need Node 22; the CLI silences it
// (src/cli/main.ts) and so do the tests, so a real warning is not lost among a hundred copies of this one.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
