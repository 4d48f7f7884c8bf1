/** The environment without the variables that make Ink think it runs in CI (it then draws nothing). */
export function nonCiEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '1' };
  for (const k of Object.keys(env)) {
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete env[k];
  }
  return env;
}
