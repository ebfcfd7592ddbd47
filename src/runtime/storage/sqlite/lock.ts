/**
 * One runtime per DATA_DIR: two on one queue would send every event twice. The lock is a file holding
 * the process id of the runtime that uses the queue, created exclusively; one left by a process that
 * is gone (kill -9) is taken over, one of a live process is refused.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'

/** Another runtime holds this DATA_DIR. */
class QueueInUseError extends Error {}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The lock files this process holds (two runtimes of one process on one DATA_DIR are refused too). */
const taken = new Set<string>()

/** Takes the lock file `lock` of the queue `queue`, or throws a QueueInUseError naming its holder. */
export function takeLock(lock: string, queue: string): string {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      taken.add(lock)
      return lock
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number.parseInt(readFileSync(lock, 'utf8'), 10)
    if (Number.isInteger(holder) && (holder === process.pid ? taken.has(lock) : alive(holder))) {
      throw new QueueInUseError(
        `another runtime (process ${holder}) uses ${queue}: give each runtime its own DATA_DIR, or share one Redis (if no runtime runs there, delete ${lock})`
      )
    }
    rmSync(lock, { force: true }) // left by a process that is gone
  }
  throw new QueueInUseError(`cannot take the lock ${lock} of ${queue}`)
}

export function releaseLock(lock: string): void {
  taken.delete(lock)
  rmSync(lock, { force: true })
}
