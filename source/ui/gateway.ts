// The one gateway check lives beside the Commander, so the prompt and the command agree.
export { gatewayProblem } from '../monitor/gateway.js';
