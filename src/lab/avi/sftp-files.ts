// The simulated Controller's writable disk as SFTP sees it: how an export is uploaded before
// restore_config.py reads it (the docs copy it with scp to /tmp; SFTP is the same SSH channel).
// Only what a file upload and clean-up need: open/write/read/close, stat, remove, realpath.

import ssh2, { type Attributes, type SFTPWrapper } from 'ssh2';

// ssh2 is CommonJS: its exports come through the default import under ESM.
const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;
const HOME = '/home/admin';

interface File { data: Buffer; mode: number }

/** Files on the node: absolute path -> content. Only /tmp and the admin home are writable. */
export class NodeFiles {
  private readonly files = new Map<string, File>();

  /** An absolute path the admin user may write, or undefined. */
  static resolve(path: string): string | undefined {
    const abs = path.startsWith('/') ? path : `${HOME}/${path}`;
    const clean = abs.replace(/\/+/g, '/');
    if (clean.split('/').includes('..')) return undefined;
    return clean.startsWith('/tmp/') || clean.startsWith(`${HOME}/`) ? clean : undefined;
  }

  read(path: string): Buffer | undefined {
    const p = NodeFiles.resolve(path);
    return p === undefined ? undefined : this.files.get(p)?.data;
  }

  remove(path: string): boolean {
    const p = NodeFiles.resolve(path);
    return p !== undefined && this.files.delete(p);
  }

  /** Serves one SFTP session over these files. */
  serve(sftp: SFTPWrapper): void {
    const handles = new Map<number, { path: string; file: File }>();
    let next = 0;
    const handleOf = (h: Buffer) => handles.get(h.length === 4 ? h.readUInt32BE(0) : -1);
    const attrs = (f: File): Attributes => ({ mode: 0o100000 | f.mode, uid: 1000, gid: 1000, size: f.data.length, atime: 0, mtime: 0 });

    sftp.on('OPEN', (id, filename, flags, a) => {
      const path = NodeFiles.resolve(filename);
      if (path === undefined) return void sftp.status(id, STATUS_CODE.PERMISSION_DENIED, `${filename}: Permission denied`);
      let file = this.files.get(path);
      if (!file) {
        if (!(flags & OPEN_MODE.CREAT)) return void sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
        this.files.set(path, (file = { data: Buffer.alloc(0), mode: a.mode ?? 0o644 }));
      } else if (flags & OPEN_MODE.TRUNC) file.data = Buffer.alloc(0);
      const h = Buffer.alloc(4);
      h.writeUInt32BE(++next, 0);
      handles.set(next, { path, file });
      sftp.handle(id, h);
    });
    sftp.on('WRITE', (id, handle, offset, data) => {
      const open = handleOf(handle);
      if (!open) return void sftp.status(id, STATUS_CODE.FAILURE, 'bad handle');
      const end = offset + data.length;
      const grown = open.file.data.length >= end ? open.file.data : Buffer.concat([open.file.data, Buffer.alloc(end - open.file.data.length)]);
      data.copy(grown, offset);
      open.file.data = grown;
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on('READ', (id, handle, offset, length) => {
      const open = handleOf(handle);
      if (!open) return void sftp.status(id, STATUS_CODE.FAILURE, 'bad handle');
      if (offset >= open.file.data.length) return void sftp.status(id, STATUS_CODE.EOF);
      sftp.data(id, open.file.data.subarray(offset, offset + length));
    });
    sftp.on('CLOSE', (id, handle) => {
      const open = handleOf(handle);
      if (open) handles.delete(handle.readUInt32BE(0));
      sftp.status(id, open ? STATUS_CODE.OK : STATUS_CODE.FAILURE);
    });
    const stat = (id: number, file: File | undefined) => (file ? sftp.attrs(id, attrs(file)) : sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file'));
    sftp.on('FSTAT', (id, handle) => void stat(id, handleOf(handle)?.file));
    sftp.on('STAT', (id, path) => void stat(id, this.files.get(NodeFiles.resolve(path) ?? '')));
    sftp.on('LSTAT', (id, path) => void stat(id, this.files.get(NodeFiles.resolve(path) ?? '')));
    const setMode = (id: number, file: File | undefined, a: Attributes) => {
      if (file && a.mode !== undefined) file.mode = a.mode & 0o777;
      sftp.status(id, file ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE);
    };
    sftp.on('FSETSTAT', (id, handle, a) => setMode(id, handleOf(handle)?.file, a));
    sftp.on('SETSTAT', (id, path, a) => setMode(id, this.files.get(NodeFiles.resolve(path) ?? ''), a));
    sftp.on('REMOVE', (id, path) => void sftp.status(id, this.remove(path) ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE));
    sftp.on('REALPATH', (id, path) => {
      const p = path === '.' || path === '' ? HOME : path.startsWith('/') ? path : `${HOME}/${path}`;
      sftp.name(id, [{ filename: p, longname: p, attrs: {} as Attributes }]);
    });
    for (const op of ['OPENDIR', 'READDIR', 'MKDIR', 'RMDIR', 'RENAME', 'READLINK', 'SYMLINK'] as const) {
      sftp.on(op, (id: number) => void sftp.status(id, STATUS_CODE.OP_UNSUPPORTED, `${op} is not supported by the lab`));
    }
  }
}
