/** Daily request quotas, Stack Exchange style: a small one per IP, a large one per registered app. */
export interface QuotaLimits {
  /** Requests per day without an API key (per IP address). */
  anonymous: number;
  /** Requests per day with a valid API key (per application). */
  registered: number;
}

export interface QuotaState {
  quota_max: number;
  quota_remaining: number;
}

const DAY = 86_400;

export class Quotas {
  private readonly used = new Map<string, { day: number; count: number }>();

  constructor(private readonly limits: QuotaLimits, private readonly now: () => number) {}

  /** Count one request for `caller`; `exceeded` when the day's quota was already used up. */
  take(caller: { app: string } | { ip: string }): QuotaState & { exceeded: boolean } {
    const key = 'app' in caller ? `app:${caller.app}` : `ip:${caller.ip}`;
    const max = 'app' in caller ? this.limits.registered : this.limits.anonymous;
    const day = Math.floor(this.now() / DAY);
    const entry = this.used.get(key);
    const count = entry && entry.day === day ? entry.count : 0;
    if (count >= max) return { quota_max: max, quota_remaining: 0, exceeded: true };
    this.used.set(key, { day, count: count + 1 });
    return { quota_max: max, quota_remaining: max - count - 1, exceeded: false };
  }
}
