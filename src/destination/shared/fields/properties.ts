/** The properties fields every action shares. */
import type { InputField } from '@segment/actions-core'
import { eachOf, firstOf, ifExists, path } from './path'

/** A Segment ecommerce product (the properties of a product event, or one of `properties.products[]`). */
export const product = {
  content_id: firstOf('$.product_id', '$.id'),
  content_name: path('$.name'),
  content_category: path('$.category'),
  brand: path('$.brand'),
  price: path('$.price'),
  quantity: path('$.quantity')
}

/** Each of Segment's `properties.products[]` as a TikTok content item. */
export const products = eachOf('$.properties.products', product)

/** TikTok-shaped `properties.contents` as sent, when it is a list with an entry, else `otherwise`. */
export const tiktokContentsElse = (otherwise: object) =>
  ifExists('$.properties.contents[0]', path('$.properties.contents'), otherwise)

/**
 * Contents: a list of TikTok content items, by default TikTok-shaped `properties.contents` as sent,
 * else Segment's `properties.products[]`.
 */
export const contents: InputField = {
  label: 'Contents',
  type: 'object',
  multiple: true,
  description: 'Related item details for the event.',
  defaultObjectUI: 'keyvalue',
  additionalProperties: false,
  properties: {
    price: { label: 'Price', description: 'Price of the item.', type: 'number' },
    quantity: { label: 'Quantity', description: 'Number of items.', type: 'number' },
    content_category: { label: 'Content Category', description: 'Category of the product item.', type: 'string' },
    content_id: { label: 'Content ID', description: 'ID of the product item.', type: 'string' },
    content_name: { label: 'Content Name', description: 'Name of the product item.', type: 'string' },
    brand: { label: 'Brand', description: 'Brand name of the product item.', type: 'string' }
  },
  default: tiktokContentsElse(products)
}

export const order_id: InputField = {
  label: 'Order ID',
  type: 'string',
  description: 'Order ID of the transaction.',
  default: path('$.properties.order_id')
}

export const shop_id: InputField = {
  label: 'Shop ID',
  type: 'string',
  description: 'Shop ID of the transaction.',
  default: path('$.properties.shop_id')
}

export const content_ids: InputField = {
  label: 'Content IDs',
  description:
    "Product IDs associated with the event, such as SKUs. Do not populate this field if the 'Contents' field is populated. This field accepts a single string value or an array of string values.",
  type: 'string',
  multiple: true,
  default: path('$.properties.content_ids')
}

export const num_items: InputField = {
  label: 'Number of Items',
  type: 'number',
  description: 'Number of items when checkout was initiated. Used with the InitiateCheckout event.',
  default: path('$.properties.num_items')
}

export const currency: InputField = {
  label: 'Currency',
  type: 'string',
  description: 'Currency for the value specified as ISO 4217 code.',
  default: path('$.properties.currency')
}

export const value: InputField = {
  label: 'Value',
  type: 'number',
  description: 'Value of the order or items sold.',
  default: firstOf('$.properties.value', '$.properties.revenue')
}

export const description: InputField = {
  label: 'Description',
  type: 'string',
  description: 'A string description of the web event.'
}

export const query: InputField = {
  label: 'Query',
  type: 'string',
  description: 'The text string that was searched for.',
  default: path('$.properties.query')
}

export const limited_data_use: InputField = {
  label: 'Limited Data Use',
  type: 'boolean',
  description:
    'Use this field to flag an event for limited data processing. TikTok will recognize this parameter as a request for limited data processing, and will limit its processing activities accordingly if the event shared occurred in an eligible location. To learn more about the Limited Data Use feature, refer to [Events API 2.0 - Limited Data Use](https://ads.tiktok.com/marketing_api/docs?id=1771101204435970).',
  default: path('$.properties.limited_data_use')
}

export const search_string: InputField = {
  label: 'Search String',
  type: 'string',
  description: 'The text string entered by the user for the search. Optionally used with the Search event.',
  default: path('$.properties.search_string')
}
