import { tasksScript } from './load-statements';
import { rawTransformScript } from './raw-transform';
import { rejectReasonsScript } from './reject-reasons';

/**
 * The migration scripts written from code, so their logic exists once: `npm run migrate -- --generate`
 * rewrites each, and a test fails when a file differs from what its function returns.
 */
export const GENERATED_SCRIPTS: readonly { path: string; render: () => string }[] = [
  { path: 'snowflake/R__tasks.sql', render: tasksScript },
  { path: 'R__reject_reasons.sql', render: rejectReasonsScript },
  { path: 'snowflake/optional/R__raw_transform.sql', render: rawTransformScript },
];
