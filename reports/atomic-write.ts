/**
 * Whole-file rewrites that a crash cannot leave half done: the new content goes to a temporary
 * file in the same directory, which is then renamed over the target (rename(2) replaces it
 * atomically on POSIX). A reader sees the old file or the new one, never a mix or a stump.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `content`. Pieces (e.g. one per line) are written as they are produced, so
 * a large file is never built in memory; if producing or writing one throws, the temporary file is
 * removed, the target keeps its old content, and the error is rethrown.
 */
export function writeFileAtomic(path: string, content: string | Iterable<string>): void {
  // Same directory, so the rename never crosses file systems; 'wx' never follows a planted link.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    try {
      for (const piece of typeof content === 'string' ? [content] : content) writeAll(fd, Buffer.from(piece, 'utf8'));
      // On disk before the rename, or a power cut could leave the new name on empty content.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeAll(fd: number, b: Buffer): void {
  for (let at = 0; at < b.length;) at += writeSync(fd, b, at, b.length - at);
}
