export { ERROR_CODES, type ErrorCode, type ErrorKind, type ErrorSpec } from './codes.ts';
export { GatewayError, isGatewayError, toGatewayError, type GatewayErrorOptions } from './gateway-error.ts';
