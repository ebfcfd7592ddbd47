// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.

/**
 * Your TikTok Access Token. Please see TikTok’s [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for information on how to generate an access token via the TikTok Ads Manager or API.
 */
export type AccessToken = string
/**
 * Your TikTok Pixel ID. Please see TikTok’s [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for information on how to find this value.
 */
export type PixelCode = string
/**
 * Your TikTok App ID, from TikTok Events Manager (Assets → Events → App Events): the app events of Report App Event are sent to it. Without it, app events are not sent as app events.
 */
export type TikTokAppID = string
/**
 * The ID of your offline event set in TikTok Events Manager: the in-store and phone sales of Report Offline Event are sent to it.
 */
export type OfflineEventSetID = string

export interface Settings {
  accessToken: AccessToken
  pixelCode: PixelCode
  appID?: TikTokAppID
  offlineEventSetID?: OfflineEventSetID
}
