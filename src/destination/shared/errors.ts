import { PayloadValidationError } from '@segment/actions-core'

/** A PayloadValidationError that knows which field is at fault, so a page can show it beside that field. */
export class FieldValidationError extends PayloadValidationError {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message)
  }
}

/** A problem with one field: an error stops the event, a warning lets it go. */
export interface FieldIssue {
  field: string
  message: string
}
