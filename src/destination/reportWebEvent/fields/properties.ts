import type { InputField } from '@segment/actions-core'
import { eachOf, ifExists, path } from '../../shared/fields/path'
import { contents as sharedContents, product, products, tiktokContentsElse } from '../../shared/fields/properties'

/**
 * What a single-product event sends: its `contents` or `products[]` when it has a non-empty one, else
 * itself as the product.
 */
export const singleProductContents = tiktokContentsElse(
  ifExists('$.properties.products[0]', products, eachOf('$.properties', product))
)

export const contents: InputField = sharedContents

export const content_type: InputField = {
  label: 'Content Type',
  description:
    'Type of the product item. When the `content_id` in the `Contents` field is specified as a `sku_id`, set this field to `product`. When the `content_id` in the `Contents` field is specified as an `item_group_id`, set this field to `product_group`. Sent only with Contents or Content IDs; `product` when empty or another value.',
  type: 'string',
  // Not a choice list: a choice list would make actions-core refuse a whole event whose
  // properties.content_type TikTok does not know; the builder sends `product` for it instead.
  default: path('$.properties.content_type')
}

export const delivery_category: InputField = {
  label: 'Delivery Category',
  type: 'string',
  description: 'Category of the delivery.',
  choices: [
    { value: 'in_store', label: 'In Store - Purchase requires customer to enter the store.' },
    { value: 'curbside', label: 'Curbside - Purchase requires curbside pickup.' },
    { value: 'home_delivery', label: 'Home Delivery - Purchase is delivered to the customer.' }
  ],
  default: path('$.properties.delivery_category')
}

export const predicted_ltv: InputField = {
  // The label keeps the product page's spelling: the catalog refers to the field by it.
  label: 'Prediected Lifetime Value',
  type: 'number',
  description: 'Predicted lifetime value of a subscriber as defined by the advertiser and expressed as an exact value.',
  default: path('$.properties.predicted_ltv')
}
