/**
 * `create-kiln`: starts a Kiln extension project from a template. `npm create kiln@latest my-ext`
 * runs its command; `kiln new` (in `@kiln/cli`) calls {@link scaffold}. No runtime dependencies,
 * so `npm create` fetches one small package.
 *
 * @packageDocumentation
 */
export {
  CREATE_KILN_VERSION,
  DEFAULT_TEMPLATE,
  isTemplateName,
  nextSteps,
  ScaffoldError,
  type ScaffoldErrorCode,
  type ScaffoldOptions,
  type ScaffoldResult,
  scaffold,
  TEMPLATE_OPTION_HELP,
  TEMPLATES,
  type TemplateInfo,
  type TemplateName,
} from "./scaffold.js";
