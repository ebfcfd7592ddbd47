/** The Event Source of every offline event. */
export const OFFLINE = 'offline'
