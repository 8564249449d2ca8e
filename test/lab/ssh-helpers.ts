// A tiny ssh2 client for the lab's Controller SSH: connect with a key (checking the host key),
// run a command with stdin, upload a file over SFTP.
import ssh2, { type Client } from 'ssh2';

export function connect(port: number, privateKey: string, hostKey?: Buffer): Promise<Client> {
  return new Promise((ok, fail) => {
    const c = new ssh2.Client();
    c.on('ready', () => ok(c)).on('error', fail).on('close', () => fail(new Error('connection closed before login')));
    c.connect({
      host: '127.0.0.1', port, username: 'admin', privateKey, readyTimeout: 5000,
      ...(hostKey ? { hostVerifier: (key: Buffer) => key.equals(hostKey) } : {}),
    });
  });
}

export function exec(c: Client, command: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    c.exec(command, (err, stream) => {
      if (err) return fail(err);
      let stdout = '';
      let stderr = '';
      let code = -1;
      stream.on('data', (d: Buffer) => (stdout += d.toString())).stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (n: number) => (code = n)).on('close', () => ok({ code, stdout, stderr }));
      stream.end(input);
    });
  });
}

export function upload(c: Client, path: string, data: string): Promise<void> {
  return new Promise((ok, fail) => {
    c.sftp((err, sftp) => {
      if (err) return fail(err);
      sftp.writeFile(path, data, { mode: 0o600 }, (e) => (sftp.end(), e ? fail(e) : ok()));
    });
  });
}
