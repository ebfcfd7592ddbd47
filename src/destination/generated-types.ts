// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.

/**
 * Your TikTok Access Token. Please see TikTok’s [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for information on how to generate an access token via the TikTok Ads Manager or API.
 */
export type AccessToken = string
/**
 * Your TikTok Pixel ID. Please see TikTok’s [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for information on how to find this value.
 */
export type PixelCode = string

export interface Settings {
  accessToken: AccessToken
  pixelCode: PixelCode
}
