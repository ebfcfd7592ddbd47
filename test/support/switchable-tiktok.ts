/**
 * The answers of a TikTok stand-in that a test or `npm run faults` (bench/faults.ts) switches while it
 * runs: TikTok's normal answer, a 503, or a refusal of the token (40001). No jest here: the benchmark
 * imports it too.
 */
import type { StandInAnswer, StandInOptions } from '../../src/runtime/tools/standin'

/** What the stand-in answers: TikTok's normal answer, HTTP 503, or code 40001. */
export type TikTokAnswer = 'ok' | '503' | '40001'

/**
 * A stand-in `script` that answers what `current()` says at each request, with `refusal` as the
 * message of a 40001, and tells `accepted` each event_id of a request it answered normally.
 */
export function switchableScript(
  current: () => TikTokAnswer,
  refusal: string,
  accepted: (eventId: string) => void
): NonNullable<StandInOptions['script']> {
  const answers: Record<TikTokAnswer, StandInAnswer | undefined> = {
    ok: undefined,
    '503': { status: 503, body: 'Service Unavailable' },
    '40001': { body: { code: 40001, message: refusal } }
  }
  return (body) => {
    const answer = answers[current()]
    if (!answer) for (const event of body.data) accepted(event.event_id!)
    return answer
  }
}
