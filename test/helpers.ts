import { createHash } from 'node:crypto'
import type { JSONObject } from '@segment/actions-core'
import nock from 'nock'
import type { Settings } from '../src/destination/generated-types'
import { presets } from '../src/destination/presets'
import type { TikTokRequestBody } from '../src/destination/tiktok/types'

export const TIKTOK = 'https://business-api.tiktok.com'
export const TRACK_PATH = '/open_api/v1.3/event/track/'

export const SETTINGS: Settings = { accessToken: 'test-token-7b1f0c2e9d', pixelCode: 'CPIXEL0001' }

/** An independent SHA-256 for expectations. */
export const sha = (text: string) => createHash('sha256').update(text).digest('hex')

export interface Captured {
  bodies: TikTokRequestBody[]
  headers: Record<string, string | string[] | undefined>[]
}

/**
 * Mocks `times` calls to TikTok's track endpoint, answering `answer` (an object is sent as JSON with
 * HTTP 200), and records what each call received.
 */
export function mockTikTok(answer: object = { code: 0, message: 'OK', request_id: 'req-1', data: {} }, times = 1) {
  const captured: Captured = { bodies: [], headers: [] }
  const scope = nock(TIKTOK)
    .post(TRACK_PATH)
    .times(times)
    .reply(function (_uri, body) {
      captured.bodies.push(body as TikTokRequestBody)
      captured.headers.push(this.req.headers)
      return [200, answer, { 'content-type': 'application/json' }]
    })
  return { scope, captured }
}

export function presetMapping(name: string): JSONObject {
  const preset = presets.find((candidate) => candidate.name === name)
  if (!preset || preset.type !== 'automatic') throw new Error(`no preset ${name}`)
  return preset.mapping as JSONObject
}

/**
 * For the tests of this file, the time of sending is `iso` (Date.now), an hour after the Event
 * Timestamp their fixed events carry: event_time stays within TikTok's window (EVENT_TIME_WINDOW),
 * whatever day the tests run, and bodies stay the same from run to run.
 */
export function sendingAt(iso = '2026-11-02T11:15:30Z') {
  const now = Date.parse(iso)
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(now))
  afterEach(() => jest.restoreAllMocks())
}
