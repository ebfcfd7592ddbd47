import type { InputField } from '@segment/actions-core'
import { TRAVEL_FIELDS, WEB } from '../constants'
import { fromProperties } from '../../shared/fields/path'

const DATE_FORMATS = 'Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.'

const properties: NonNullable<InputField['properties']> = {
  city: { label: 'Hotel City', type: 'string', description: 'City of the hotel.' },
  region: { label: 'Hotel Region', type: 'string', description: 'Region of the hotel.' },
  country: { label: 'Hotel Country', type: 'string', description: 'Country of the hotel.' },
  checkin_date: { label: 'Check-in Date', type: 'string', description: `Hotel check-in date. ${DATE_FORMATS}` },
  checkout_date: { label: 'Check-out Date', type: 'string', description: `Hotel check-out date. ${DATE_FORMATS}` },
  num_adults: { label: 'Number of Adults', type: 'number', description: 'Number of adults travelling.' },
  num_children: { label: 'Number of Children', type: 'number', description: 'Number of children travelling.' },
  num_infants: { label: 'Number of Infants', type: 'number', description: 'Number of infants travelling.' },
  suggested_hotels: {
    label: 'Suggested Hotels',
    type: 'string',
    multiple: true,
    description: 'Hotels suggested to the user: one ID or a list of IDs.'
  },
  departing_departure_date: {
    label: 'Departing Departure Date',
    type: 'string',
    description: `Departure date of the outbound flight. ${DATE_FORMATS}`
  },
  departing_arrival_date: {
    label: 'Departing Arrival Date',
    type: 'string',
    description: `Arrival date of the outbound flight. ${DATE_FORMATS}`
  },
  returning_departure_date: {
    label: 'Returning Departure Date',
    type: 'string',
    description: `Departure date of the return flight. ${DATE_FORMATS}`
  },
  returning_arrival_date: {
    label: 'Returning Arrival Date',
    type: 'string',
    description: `Arrival date of the return flight. ${DATE_FORMATS}`
  },
  origin_airport: { label: 'Origin Airport', type: 'string', description: 'IATA code of the origin airport.' },
  destination_airport: {
    label: 'Destination Airport',
    type: 'string',
    description: 'IATA code of the destination airport.'
  },
  destination_ids: {
    label: 'Destination IDs',
    type: 'string',
    multiple: true,
    description: 'IDs of destinations of your catalog linked to this event: one ID or a list of IDs.'
  },
  travel_class: {
    label: 'Travel Class',
    type: 'string',
    description: 'Class of the flight ticket.',
    choices: [
      { value: 'eco', label: 'Economy' },
      { value: 'prem', label: 'Premium economy' },
      { value: 'bus', label: 'Business' },
      { value: 'first', label: 'First' }
    ]
  },
  user_score: {
    label: 'User Score',
    type: 'number',
    description: 'How valuable this potential customer is to you, on your own scale.'
  },
  preferred_num_stops: {
    label: 'Preferred Number of Stops',
    type: 'integer',
    description: 'Number of stops the user prefers; 0 for a direct flight.'
  },
  travel_start: { label: 'Travel Start', type: 'string', description: `First day of the trip. ${DATE_FORMATS}` },
  travel_end: { label: 'Travel End', type: 'string', description: `Last day of the trip. ${DATE_FORMATS}` },
  suggested_destinations: {
    label: 'Suggested Destinations',
    type: 'string',
    multiple: true,
    description: 'IDs of destinations suggested to the user: one ID or a list of IDs.'
  }
}

export const travel_fields: InputField = {
  label: 'Travel Fields',
  type: 'object',
  description: 'Fields related to travel events.',
  additionalProperties: false,
  defaultObjectUI: 'keyvalue',
  properties,
  // Segment's: each sub-field from the event property of its name. A mapping gets them only when
  // Additional Fields asks for travel (see defaultMapping).
  default: fromProperties(Object.keys(properties)),
  depends_on: {
    match: 'all',
    conditions: [
      { fieldKey: 'event_source', operator: 'is', value: WEB },
      { fieldKey: 'event_spec_type', operator: 'is', value: TRAVEL_FIELDS }
    ]
  }
}
