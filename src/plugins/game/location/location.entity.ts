import { belongsTo, column, defineEntity, hasMany, text, type FilterDeclaration } from 'tessera';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { definitionColumns, definitionSort, definitionTexts, nameContains } from '../shared/definitions.ts';
import { Activity } from '../activity/activity.entity.ts';
import { Vendor } from '../vendor/vendor.entity.ts';

/** The filter of destinations and of places (places have no place: placeHash is ignored there). */
function locationFilter(placeHash: 'place_hash' | null): FilterDeclaration {
  return {
    name: 'LocationFilter',
    fields: {
      nameContains: { ...nameContains, description: undefined },
      placeHash: {
        type: () => BungieHashScalar,
        description: 'Destinations of this place (ignored for places).',
        where: placeHash ? { op: 'eq', column: placeHash } : { op: 'ignored' },
      },
    },
  };
}

/** A DestinyPlaceDefinition. */
export const Place = defineEntity({
  name: 'Place',
  description: 'A DestinyPlaceDefinition: a planet or other place.',
  table: 'game.place',
  key: 'hash',
  texts: definitionTexts('place_text', 'place_hash'),
  fields: {
    ...definitionColumns,
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    destinations: hasMany(() => Destination, { to: 'place_hash' }, { orderBy: 'index', description: 'Destinations of this place.' }),
  },
  queries: {
    place: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar },
    places: { kind: 'list', sort: definitionSort, filter: locationFilter(null) },
  },
});

/** A DestinyDestinationDefinition. */
export const Destination = defineEntity({
  name: 'Destination',
  description: 'A DestinyDestinationDefinition: an area of a place where activities happen and vendors stand.',
  table: 'game.destination',
  key: 'hash',
  texts: definitionTexts('destination_text', 'destination_hash'),
  fields: {
    ...definitionColumns,
    defaultFreeroamActivityHash: column('default_freeroam_activity_hash', () => BungieHashScalar, { nullable: true }),
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    place: belongsTo(() => Place, { from: 'place_hash' }, { nullable: true }),
    activities: hasMany(() => Activity, { to: 'destination_hash' }, { orderBy: 'index', description: 'Activities at this destination.' }),
    vendors: hasMany(
      () => Vendor,
      { through: { table: 'game.vendor_location', from: 'destination_hash', to: 'vendor_hash', orderBy: 'vendor_hash' } },
      { description: 'Vendors found at this destination.' },
    ),
  },
  queries: {
    destination: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar },
    destinations: { kind: 'list', sort: definitionSort, filter: locationFilter('place_hash') },
  },
});
