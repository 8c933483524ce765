import { z } from 'zod';

/**
 * Step and workflow ids appear in templates (`results["fetch-data"]`), queue job names and instance
 * keys, where `/` and `#` are separators: keep them to a safe alphabet.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const IdSchema = z.string().regex(ID_PATTERN, 'must be 1-128 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');

export const StepIdSchema = IdSchema;
export const WorkflowIdSchema = IdSchema;

export const VersionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/, 'must be 1-64 characters of letters, digits, ".", "_", "+" or "-" (e.g. "1.0.0")');

/** A duration in milliseconds. */
export const DurationMsSchema = z.number().int('must be a whole number of milliseconds').positive('must be positive');
