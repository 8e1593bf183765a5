/** The import file's JSON Schema, as published in docs/import-file.schema.json and printed by `pixie import --schema`. */
import { ImportFile } from './schema.js';

export function importFileJsonSchema(): Record<string, unknown> {
  // TypeBox schemas are JSON Schema (draft 7) already; the JSON round trip drops TypeBox's symbol keys.
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(ImportFile)) as Record<string, unknown>) };
}
