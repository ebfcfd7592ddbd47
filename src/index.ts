/**
 * The package's entry: the TikTok Conversions destination definition, for any actions-core runtime.
 * Plain CommonJS consumers get the definition itself from `require('tiktok-conversions-destination')`;
 * `.default` (not enumerable, so the definition still serializes) keeps `import destination from …`
 * working. The local runtime is the `tiktok-conversions` bin (src/cli.ts).
 */
import destination from './destination'

export default destination

Object.defineProperty(destination, 'default', { value: destination, enumerable: false })
module.exports = destination
