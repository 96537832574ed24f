/**
 * The parameter form's validator: ajv, the same library and JSON Schemas the
 * runtime validates params with, so the form and a run agree on what is
 * valid. Ajv compiles schemas to functions; the server's Content-Security-
 * Policy allows that for the editor's pages (see server/app.ts).
 */
import type { RJSFSchema, ValidatorType } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';

export function formValidator(): ValidatorType<unknown, RJSFSchema> {
  return validator as ValidatorType<unknown, RJSFSchema>;
}
