/**
 * The queue stream's consumer group, in which every runtime reads: created with the stream when
 * missing, and again when a command finds it gone (a Redis that restarted without its data).
 */
import type Redis from 'ioredis'
import { describeError, type Log } from '../../ops/log'
import { GROUP } from './keys'
import { isOutOfMemory } from './memory'

export class ConsumerGroup {
  constructor(
    private readonly client: Redis,
    private readonly stream: string,
    private readonly log: Log
  ) {}

  /**
   * Creates the stream and its group unless they exist. Redis over its maxmemory refuses XGROUP CREATE
   * even when the group exists: then a runtime starting meanwhile looks for it instead.
   */
  async ensure(): Promise<void> {
    try {
      await this.client.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM')
    } catch (error) {
      if (describeError(error).startsWith('BUSYGROUP')) return
      if (isOutOfMemory(error) && (await this.exists())) return
      throw error
    }
  }

  private async exists(): Promise<boolean> {
    const groups = (await this.client.xinfo('GROUPS', this.stream)) as unknown[][]
    return groups.some((group) => group[1] === GROUP)
  }

  /** Runs a command on the group; once more, after creating the group again, when it was gone. */
  async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (error) {
      if (!describeError(error).startsWith('NOGROUP')) throw error
      this.log.warn('the Redis consumer group was missing (Redis restarted without its data?): created again', {
        stream: this.stream
      })
      await this.ensure()
      return command()
    }
  }
}
