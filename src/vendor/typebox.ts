/** TypeBox's builders and value checks (src/vendor/load.ts: one file at run time). */
import type * as TypeBoxType from '@sinclair/typebox';
import type * as TypeBoxValue from '@sinclair/typebox/value';
import { vendored } from './load.js';

const typebox = await vendored<typeof TypeBoxType & typeof TypeBoxValue>('typebox', async () => ({
  ...(await import('@sinclair/typebox')), ...(await import('@sinclair/typebox/value')),
}));

export const { FormatRegistry, Kind, Type, TypeRegistry, Value, ValueErrorType } = typebox;
