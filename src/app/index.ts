export { startGateway, type RunningGateway, type DemoProgress } from './gateway.ts';
