import type { InputField } from '@segment/actions-core'
import { VEHICLE_FIELDS, WEB } from '../constants'
import { firstOf, fromProperties } from '../../shared/fields/path'

const choices = (...values: string[]) => values.map((value) => ({ value, label: value }))

const properties: NonNullable<InputField['properties']> = {
  postal_code: { label: 'Postal Code', type: 'string', description: 'Postal code where the vehicle is located.' },
  make: { label: 'Make', type: 'string', description: 'Make or brand of the vehicle.' },
  model: { label: 'Model', type: 'string', description: 'Model of the vehicle.' },
  year: { label: 'Year', type: 'number', description: 'Model year of the vehicle (YYYY).' },
  state_of_vehicle: {
    label: 'State of Vehicle',
    type: 'string',
    description: 'Whether the vehicle is new, used or certified pre-owned.',
    choices: choices('New', 'Used', 'CPO')
  },
  mileage_value: { label: 'Mileage Value', type: 'number', description: 'Mileage of the vehicle; 0 for new.' },
  mileage_unit: {
    label: 'Mileage Unit',
    type: 'string',
    description: 'Unit of the mileage: miles (MI) or kilometres (KM).',
    choices: [
      { value: 'MI', label: 'Miles' },
      { value: 'KM', label: 'Kilometres' }
    ]
  },
  exterior_color: { label: 'Exterior Color', type: 'string', description: 'Exterior color of the vehicle.' },
  interior_color: { label: 'Interior Color', type: 'string', description: 'Interior color of the vehicle.' },
  transmission: {
    label: 'Transmission',
    type: 'string',
    description: 'Transmission of the vehicle.',
    choices: choices('Automatic', 'Manual', 'Other')
  },
  body_style: {
    label: 'Body Style',
    type: 'string',
    description: 'Body style of the vehicle.',
    choices: choices(
      'Convertible',
      'Coupe',
      'Crossover',
      'Hatchback',
      'Minivan',
      'Sedan',
      'SUV',
      'Truck',
      'Van',
      'Wagon',
      'Other'
    )
  },
  fuel_type: {
    label: 'Fuel Type',
    type: 'string',
    description: 'Fuel type of the vehicle.',
    choices: choices('Diesel', 'Electric', 'Flex', 'Gasoline', 'Hybrid', 'Other')
  },
  drivetrain: {
    label: 'Drivetrain',
    type: 'string',
    description: 'Drivetrain of the vehicle.',
    choices: choices('AWD', 'FOUR_WD', 'FWD', 'RWD', 'TWO_WD', 'Other')
  },
  preferred_price_range_min: {
    label: 'Preferred Price Range Min',
    type: 'number',
    description: 'Lowest price the user is looking for.'
  },
  preferred_price_range_max: {
    label: 'Preferred Price Range Max',
    type: 'number',
    description: 'Highest price the user is looking for.'
  },
  trim: { label: 'Trim', type: 'string', description: 'Trim of the vehicle.' },
  vin: { label: 'VIN', type: 'string', description: 'Vehicle identification number (at most 17 characters).' },
  condition_of_vehicle: {
    label: 'Condition',
    type: 'string',
    description: 'Condition of the vehicle.',
    choices: choices('Excellent', 'Good', 'Fair', 'Poor', 'Other')
  },
  viewcontent_type: {
    label: 'View Content Type',
    type: 'string',
    description: 'For ViewContent: tells soft-lead landing pages apart.'
  },
  search_type: {
    label: 'Search Type',
    type: 'string',
    description: 'For Search: tells other searches (such as a dealer lookup) apart from inventory search.'
  },
  registration_type: {
    label: 'Registration Type',
    type: 'string',
    description: 'For CompleteRegistration: tells kinds of registration apart.'
  }
}

export const vehicle_fields: InputField = {
  label: 'Vehicle Fields',
  type: 'object',
  description: 'Fields related to vehicle events.',
  additionalProperties: false,
  defaultObjectUI: 'keyvalue',
  properties,
  // Segment's: each sub-field from the event property of its name, and the drivetrain from
  // `drive_train` too (Segment's name for it). A mapping gets them only when Additional Fields asks
  // for vehicle (see defaultMapping).
  default: {
    ...fromProperties(Object.keys(properties)),
    drivetrain: firstOf('$.properties.drivetrain', '$.properties.drive_train')
  },
  depends_on: {
    match: 'all',
    conditions: [
      { fieldKey: 'event_source', operator: 'is', value: WEB },
      { fieldKey: 'event_spec_type', operator: 'is', value: VEHICLE_FIELDS }
    ]
  }
}
