import { uptimeCheck } from '../aws-check.js';
import { DAY } from '../../probes/aws-metrics.js';

export default uptimeCheck({ id: 'aws.uptime-24h', title: 'Uptime, last 24 h', windowMs: DAY, span: '24 h' });
