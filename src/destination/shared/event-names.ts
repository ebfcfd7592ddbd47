/** The event names TikTok knows, per source. Any other name must pass the custom-name rule (shared/prepare.ts). */

/** TikTok's standard web event names (Events API 2.0); offline and CRM events use them too. */
export const STANDARD_EVENTS = [
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'ApplicationApproval',
  'ClickButton',
  'CompletePayment',
  'CompleteRegistration',
  'Contact',
  'CustomizeProduct',
  'Download',
  'FindLocation',
  'InitiateCheckout',
  'Lead',
  'PageView',
  'PlaceAnOrder',
  'Purchase',
  'Schedule',
  'Search',
  'StartTrial',
  'SubmitApplication',
  'SubmitForm',
  'Subscribe',
  'ViewContent'
] as const

/** TikTok's standard app event names, as Segment's TikTok App Events offers them. */
export const APP_EVENTS = [
  'AchieveLevel',
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'Checkout',
  'CompleteTutorial',
  'CreateGroup',
  'CreateRole',
  'GenerateLead',
  'InAppADClick',
  'InAppADImpr',
  'InstallApp',
  'JoinGroup',
  'LaunchAPP',
  'LoanApplication',
  'LoanApproval',
  'LoanDisbursal',
  'Login',
  'Purchase',
  'Rate',
  'Registration',
  'Search',
  'SpendCredits',
  'StartTrial',
  'Subscribe',
  'UnlockAchievement',
  'ViewContent'
] as const
