// The coordinator's cron scheduler under the Raft-replicated cron lease.
export {
  CRON_CLOCK_SKEW_MS,
  CRON_LEASE_RENEW_MS,
  CRON_LEASE_TTL_MS,
  CRON_TAKEOVER_BOUND_MS,
  CronService,
  type CronServiceOptions,
  cronTestClock,
  startCronService,
} from "./cron-service.js";
