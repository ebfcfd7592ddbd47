/**
 * Source routing: the kind of source of an event (app or web), the kinds each mapping takes, and the
 * `action` and `sources` of a mappings entry.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { routeOf } from '../../src/runtime/routing/route'
import { sourceKindOf } from '../../src/runtime/routing/sources'
import { MappingsError, parseMappings, presetSubscriptions } from '../../src/runtime/routing/subscriptions'
import * as fixtures from '../fixtures/mobile-events'

const withContext = (context: unknown) => ({ type: 'track', event: 'Order Completed', context }) as SegmentEvent

describe('the kind of source of an event', () => {
  it.each<[string, SegmentEvent, 'app' | 'web']>([
    ['analytics-swift on an iPhone', fixtures.swiftAuthorized, 'app'],
    ['analytics-swift without the IDFA plugin', fixtures.swiftNoIdfaPlugin, 'app'],
    ['analytics-swift on an Apple TV (tvos)', fixtures.swiftTvos, 'web'],
    ['analytics-kotlin on Android', fixtures.kotlinAndroid, 'app'],
    ['analytics-react-native on an iPhone', fixtures.reactNativeIos, 'app'],
    ['analytics-ios (legacy)', fixtures.legacyIos, 'app'],
    ['analytics.js', fixtures.analyticsJs, 'web'],
    ['analytics-node', fixtures.analyticsNode, 'web']
  ])('%s: %s', (_library, event, kind) => {
    expect(sourceKindOf(event)).toBe(kind)
  })

  it.each<[string, unknown, 'app' | 'web']>([
    ['device type iOS in capitals', { device: { type: 'iOS' } }, 'app'],
    ['device type ANDROID', { device: { type: 'ANDROID' } }, 'app'],
    [
      'device type macos, from a mobile library with an app',
      { library: { name: 'analytics-swift' }, app: {}, device: { type: 'macos' } },
      'web'
    ],
    [
      'no device type, a mobile library with context.app',
      { library: { name: 'analytics-kotlin' }, app: { name: 'A' } },
      'app'
    ],
    [
      'no device type, a mobile library without context.app (a JVM server)',
      { library: { name: 'analytics-kotlin' } },
      'web'
    ],
    [
      'no device type, a browser library with context.app',
      { library: { name: 'analytics.js' }, app: { name: 'A' } },
      'web'
    ],
    ['a device type that is not text', { device: { type: 7 } }, 'web'],
    ['no context', undefined, 'web'],
    ['a context that is not an object', 'ios', 'web']
  ])('%s: %s', (_case, context, kind) => {
    expect(sourceKindOf(withContext(context))).toBe(kind)
  })
})

describe('routing by kind of source', () => {
  const presets = presetSubscriptions()
  const names = (event: SegmentEvent, appEvents: boolean) => routeOf(presets, event, appEvents).map((s) => s.name)

  it('with an App ID, a mobile purchase goes to the app preset only, a web one to the web preset only', () => {
    expect(names(fixtures.swiftAuthorized, true)).toEqual(['Complete payment (app)'])
    expect(names(fixtures.kotlinAndroid, true)).toEqual(['Complete payment (app)'])
    expect(names(fixtures.analyticsJs, true)).toEqual(['Complete Payment'])
    expect(names(fixtures.swiftTvos, true)).toEqual(['Complete Payment'])
  })

  it('without an App ID, every purchase goes to the web preset, as before', () => {
    for (const event of [fixtures.swiftAuthorized, fixtures.kotlinAndroid, fixtures.analyticsJs]) {
      expect(names(event, false)).toEqual(['Complete Payment'])
    }
  })

  it('takes by default the kind of its action; offline and CRM mappings take both; `sources` says otherwise', () => {
    const subscriptions = parseMappings([
      { name: 'Web', subscribe: 'type = "track"', mapping: { event: 'CompletePayment' } },
      { name: 'App', subscribe: 'type = "track"', action: 'reportAppEvent', mapping: { event: 'Purchase' } },
      {
        name: 'Offline',
        subscribe: 'type = "track"',
        action: 'reportOfflineEvent',
        mapping: { event: 'CompletePayment' }
      },
      {
        name: 'CRM',
        subscribe: 'type = "track"',
        mapping: { event: 'Lead', event_source: 'crm', crm_event_set_id: '71' }
      },
      {
        name: 'Web and app',
        subscribe: 'type = "track"',
        sources: ['web', 'app'],
        mapping: { event: 'CompletePayment' }
      },
      {
        name: 'App as web',
        subscribe: 'type = "track"',
        action: 'reportAppEvent',
        sources: ['web'],
        mapping: { event: 'Purchase' }
      }
    ])
    expect(subscriptions.map((s) => [s.name, s.action, s.sources])).toEqual([
      ['Web', 'reportWebEvent', ['web']],
      ['App', 'reportAppEvent', ['app']],
      ['Offline', 'reportOfflineEvent', ['web', 'app']],
      ['CRM', 'reportWebEvent', ['web', 'app']],
      ['Web and app', 'reportWebEvent', ['web', 'app']],
      ['App as web', 'reportAppEvent', ['web']]
    ])
    const route = (event: SegmentEvent) => routeOf(subscriptions, event, true).map((s) => s.name)
    expect(route(fixtures.swiftAuthorized)).toEqual(['App', 'Offline', 'CRM', 'Web and app'])
    expect(route(fixtures.analyticsJs)).toEqual(['Web', 'Offline', 'CRM', 'Web and app', 'App as web'])
  })

  it('lays each mapping over its own action’s defaults and checks it against its own fields', () => {
    const [app, offline] = parseMappings([
      { name: 'App', subscribe: 'type = "track"', action: 'reportAppEvent', mapping: { event: 'Purchase' } },
      {
        name: 'Offline',
        subscribe: 'type = "track"',
        action: 'reportOfflineEvent',
        mapping: { event: 'CompletePayment' }
      }
    ])
    expect(app.mapping).toMatchObject({
      event: 'Purchase',
      event_id: { '@path': '$.messageId' },
      advertising_id: { '@path': '$.context.device.advertisingId' },
      att_status: 'AUTO',
      batch_keys: ['test_event_code']
    })
    expect(offline.mapping).toMatchObject({
      event: 'CompletePayment',
      order_id: { '@path': '$.properties.order_id' },
      email_addresses: expect.any(Object),
      batch_keys: ['test_event_code']
    })
    expect(app.mapping).not.toHaveProperty('ttclid')
    expect(offline.mapping).not.toHaveProperty('advertising_id')
  })

  it('refuses an unknown action or source, and the fields of another action, naming each', () => {
    let error: MappingsError | undefined
    try {
      parseMappings(
        [
          { name: 'A', subscribe: 'type = "track"', action: 'reportTvEvent', mapping: { event: 'Purchase' } },
          { name: 'B', subscribe: 'type = "track"', sources: ['web', 'tv'], mapping: { event: 'Purchase' } },
          { name: 'C', subscribe: 'type = "track"', sources: [], mapping: { event: 'Purchase' } },
          {
            name: 'D',
            subscribe: 'type = "track"',
            action: 'reportAppEvent',
            mapping: { event: 'Purchase', ttclid: 'x' }
          },
          { name: 'E', subscribe: 'type = "track"', action: 'reportOfflineEvent', mapping: {} },
          { name: 'F', subscribe: 'type = "track"', action: 'reportAppEvent', mapping: { event: 'Purchase', app: {} } }
        ],
        'MAPPINGS m.json'
      )
    } catch (caught) {
      error = caught as MappingsError
    }
    expect(error?.problems).toEqual([
      'mapping 1 ("A"): "action" must be one of reportWebEvent, reportAppEvent, reportOfflineEvent; got "reportTvEvent"',
      'mapping 2 ("B"): "sources" must be a list of web and app, each at most once, such as ["web", "app"]',
      'mapping 3 ("C"): "sources" must be a list of web and app, each at most once, such as ["web", "app"]',
      'mapping 4 ("D"): unknown field(s) ttclid of Report App Event; see the field table in docs/plugin.md',
      'mapping 5 ("E"): Event Name (event) is required',
      'mapping 6 ("F"): Mobile App ID (app.app_id) is required'
    ])
  })
})
