import { uptimeCheck } from '../aws-check.js';
import { DAY } from '../../probes/aws-metrics.js';

export default uptimeCheck({ id: 'aws.uptime-30d', title: 'Uptime, last 30 days', windowMs: 30 * DAY, span: '30 days' });
