/**
 * Bounded memory: how much the runtime may use (MEMORY_LIMIT_MB, else sized from the machine) and how
 * that is shared out between the heaps of its threads. Unbounded, V8 sizes each thread's heap from
 * the machine's memory (4 GB each on a 24 GB machine) and lets it grow lazily towards that; bounded,
 * it collects garbage before the runtime takes more than its share. The main thread's limit can only
 * be given when node starts (`--max-old-space-size`: cli/heap-limit.ts starts the runtime so); each
 * delivery thread gets its own (`resourceLimits`, delivery/executor.ts).
 *
 * Nothing here reads the environment: the caller gives the machine's memory and the variable's text.
 */
import { totalmem } from 'node:os'

/** The least MEMORY_LIMIT_MB takes (0 aside: no limit at all). */
export const MIN_MEMORY_LIMIT_MB = 128
/** A delivery thread gets at least this much heap: a batch of 1,000 events of a few KB each fits many times. */
export const MIN_THREAD_HEAP_MB = 64

/** The share of the limit the main thread's heap gets; the delivery threads share as much again. */
const HEAP_SHARE = 0.4
/** The share of the limit the delivery threads' heaps share. */
export const THREADS_HEAP_SHARE = HEAP_SHARE

/** How many delivery threads `limitMb` holds at MIN_THREAD_HEAP_MB each (any number without a limit). */
export const threadsThatFit = (limitMb: number) =>
  limitMb === 0 ? Infinity : Math.max(1, Math.floor((limitMb * THREADS_HEAP_SHARE) / MIN_THREAD_HEAP_MB))

/** The machine's memory in MB, or the container's (cgroup) limit when that is less. */
export function machineMemoryMb(): number {
  const total = totalmem()
  const constrained = process.constrainedMemory?.() ?? 0
  return Math.floor((constrained > 0 && constrained < total ? constrained : total) / 2 ** 20)
}

/** Sized from the machine: a quarter of its memory, from 256 MB to 512 MB (more only delays collection). */
export const defaultMemoryLimitMb = (machineMb: number) => Math.min(512, Math.max(256, Math.floor(machineMb / 4)))

/**
 * MEMORY_LIMIT_MB's value: the MB it gives (0: no limit), its default when unset or empty, or why it
 * cannot be used (a sentence naming the variable).
 */
export function memoryLimitMb(raw: string | undefined, machineMb: number): number | string {
  if (raw === undefined || raw.trim() === '') return defaultMemoryLimitMb(machineMb)
  const value = Number(raw)
  if (!Number.isInteger(value) || (value !== 0 && value < MIN_MEMORY_LIMIT_MB)) {
    return `MEMORY_LIMIT_MB must be a whole number of MB, at least ${MIN_MEMORY_LIMIT_MB} (or 0: no limit); got "${raw}"`
  }
  return value
}

export interface MemoryPlan {
  /** The memory the runtime may use, in MB. */
  limitMb: number
  /** The main thread's heap (old generation), in MB. */
  mainHeapMb: number
  /** Each delivery thread's heap (old generation), in MB. */
  threadHeapMb: number
}

/**
 * How `limitMb` is shared out among the main thread and `threads` delivery threads: 40% to the main
 * thread's heap, 40% shared by the delivery threads (at least MIN_THREAD_HEAP_MB each), the rest for
 * what is not heap (the queue's cache, buffers, the threads' stacks and code). Undefined for 0: V8's
 * own limits.
 */
export function memoryPlan(limitMb: number, threads: number): MemoryPlan | undefined {
  if (limitMb === 0) return undefined
  const mainHeapMb = Math.floor(limitMb * HEAP_SHARE)
  const threadHeapMb = Math.max(MIN_THREAD_HEAP_MB, Math.floor((limitMb * THREADS_HEAP_SHARE) / Math.max(1, threads)))
  return { limitMb, mainHeapMb, threadHeapMb }
}

/**
 * The memory line of the start log: the limit and each heap's, the main thread's as V8 has it
 * (`mainHeapLimitMb`: its heap_size_limit, young generation included).
 */
export function describeMemory(plan: MemoryPlan | undefined, threads: number, mainHeapLimitMb: number): string {
  const main = `${Math.round(mainHeapLimitMb)} MB (main thread)`
  if (!plan) return `no limit (MEMORY_LIMIT_MB=0): heaps sized by V8, ${main}`
  const each = threads > 0 ? ` and ${plan.threadHeapMb} MB (each of ${threads} delivery threads)` : ''
  return `${plan.limitMb} MB: heaps of at most ${main}${each}`
}
