/**
 * The runtime's main thread gets its heap limit (runtime/ops/memory.ts) the one way V8 takes it: when
 * node starts. So `tiktok-conversions` (npm start, npx), when node was given no limit, starts the
 * runtime again as its child with `--max-old-space-size`, and from then on only passes SIGTERM, SIGINT
 * and SIGHUP on and ends as the child ends (with its exit code, or by the signal that ended it). The
 * runtime's first log line gives its own pid; a signal to either process stops it the same way (SIGTERM
 * drains). A launcher killed with SIGKILL takes the runtime with it: the runtime notices at once and
 * ends as kill -9 would have ended it, so no runtime is left running without the process that was
 * started. No relaunch when node has a limit already (NODE_OPTIONS or node's own arguments: the
 * operator's wins), or MEMORY_LIMIT_MB is 0, or cannot be read (the runtime then refuses it, exit 2).
 *
 * This module loads nothing of the runtime: the launcher stays a small process.
 */
import { spawn } from 'node:child_process'
import { machineMemoryMb, memoryLimitMb, memoryPlan } from '../runtime/ops/memory'

/** Set in the runtime started by the launcher. */
const LAUNCHED = 'TIKTOK_CONVERSIONS_LAUNCHED'
const PASSED_ON: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP']
const HEAP_FLAG = /^--max[-_]old[-_]space[-_]size(=|$)/

/** Whether node was started with a heap limit (its arguments, or NODE_OPTIONS). */
const hasHeapLimit = (env: NodeJS.ProcessEnv) =>
  [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => HEAP_FLAG.test(arg))

/** In the runtime the launcher started: when the launcher is gone (SIGKILL), so is the runtime. */
function endWithLauncher() {
  if (!process.channel) return
  process.channel.unref()
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'))
}

/**
 * Starts the runtime (this script, these arguments) again as a child of this process, with the main
 * thread's heap limit of MEMORY_LIMIT_MB, unless there is no need (see above). True when it did: this
 * process is then the launcher, and must start nothing itself.
 */
export function relaunchedWithHeapLimit(env: NodeJS.ProcessEnv): boolean {
  if (env[LAUNCHED] === '1') {
    endWithLauncher()
    return false
  }
  if (hasHeapLimit(env)) return false
  const limit = memoryLimitMb(env.MEMORY_LIMIT_MB, machineMemoryMb())
  if (typeof limit === 'string' || limit === 0) return false
  const { mainHeapMb } = memoryPlan(limit, 1)!
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${mainHeapMb}`, ...process.argv.slice(1)],
    { env: { ...env, [LAUNCHED]: '1' }, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] }
  )
  const passOn = (signal: NodeJS.Signals) => () => child.kill(signal)
  for (const signal of PASSED_ON) process.on(signal, passOn(signal))
  child.on('error', (error) => {
    process.stderr.write(`cannot start the runtime: ${error.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code)
    // Ended by a signal: so is this process (its parent sees what killed the runtime).
    for (const passed of PASSED_ON) process.removeAllListeners(passed)
    process.kill(process.pid, signal ?? 'SIGTERM')
  })
  return true
}
