/** The types of Segment event (the Tracking API's endpoints, and what a trigger's `type = "…"` may name). */
export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
export type EventType = (typeof EVENT_TYPES)[number]
