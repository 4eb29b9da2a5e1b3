// Schedule expressions in words, and their next runs. The Backup API returns a rule's ScheduleExpression and
// ScheduleExpressionTimezone but no next run (nor does AWS's), so the console computes them from the expression,
// as the engine's scheduler does (lambdas/domain/schedule_expressions.py): AWS cron has six fields (minutes hours
// day-of-month month day-of-week year), day-of-week 1-7 is SUN-SAT, and one of the two day fields is "?".
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function parseField(text, low, high, names = []) {
  if (text === "*" || text === "?") return null; // any value
  const values = new Set();
  const value = (token) => {
    const named = names.indexOf(token.toUpperCase());
    const number = named >= 0 ? named + low : Number(token);
    if (!Number.isInteger(number) || number < low || number > high) throw new Error(`unsupported field "${text}"`);
    return number;
  };
  for (const part of text.split(",")) {
    const [range, step] = part.split("/");
    let [from, to] = range === "*" ? [low, high] : range.split("-").map(value);
    if (to === undefined) to = step ? high : from;
    const by = step ? Number(step) : 1;
    if (!Number.isInteger(by) || by < 1) throw new Error(`unsupported step "${part}"`);
    // a range may wrap (FRI-MON)
    const span = to >= from ? to - from : to + (high - low + 1) - from;
    for (let i = 0; i <= span; i += by) values.add(((from - low + i) % (high - low + 1)) + low);
  }
  return values;
}

export function parseCron(expression) {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return null;
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`cron needs 6 fields: ${expression}`);
  const [minutes, hours, dom, months, dow, years] = fields;
  return {
    fields,
    minutes: parseField(minutes, 0, 59),
    hours: parseField(hours, 0, 23),
    dom: parseField(dom, 1, 31),
    months: parseField(months, 1, 12, MONTHS),
    dow: parseField(dow, 1, 7, DAYS),
    years: parseField(years, 1970, 2199),
  };
}

const pad = (n) => String(n).padStart(2, "0");
const list = (set, names, low) => [...set].sort((a, b) => a - b).map((v) => (names ? names[v - low] : v));

export function describe(expression, timezone = "Etc/UTC") {
  const zone = timezone === "Etc/UTC" || timezone === "UTC" ? "UTC" : timezone;
  const rate = /^rate\((\d+)\s+(\w+)\)$/.exec(expression || "");
  if (rate) return `every ${rate[1]} ${rate[2]}`;
  let cron;
  try {
    cron = parseCron(expression || "");
  } catch {
    return expression;
  }
  if (!cron) return expression || "on demand only";
  const { minutes, hours, dom, months, dow, fields } = cron;
  let when;
  if (minutes?.size === 1 && hours?.size === 1) {
    when = `at ${pad([...hours][0])}:${pad([...minutes][0])}`;
  } else if (minutes?.size === 1 && /^(\*|0)\/\d+$/.test(fields[1])) {
    when = `every ${fields[1].split("/")[1]} hours at minute ${[...minutes][0]}`;
  } else {
    when = `at minute ${fields[0]} of hour ${fields[1]}`;
  }
  let days = "every day";
  if (dow) days = `on ${list(dow, DAY_NAMES, 1).join(", ")}`;
  else if (dom) days = `on day ${list(dom).join(", ")} of the month`;
  const inMonths = months ? ` in ${list(months, MONTHS, 1).join(", ")}` : "";
  if (days === "every day" && !inMonths && when.startsWith("every")) return `${when} (${zone})`;
  return `${days}${inMonths} ${when} (${zone})`;
}

// Minutes the zone is ahead of UTC at `date` (Intl knows every IANA zone's rules).
function offsetMinutes(date, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    }).formatToParts(date).map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - date.getTime()) / 60000);
}

function wallToUtc(y, mo, d, h, mi, zone) {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  let utc = guess - offsetMinutes(new Date(guess), zone) * 60000;
  utc = guess - offsetMinutes(new Date(utc), zone) * 60000;
  return new Date(utc);
}

// The next `count` runs strictly after `after`, or [] for what the console cannot compute (rate(), whose
// anchor is the rule's creation, and the L/W/# day forms).
export function nextRuns(expression, timezone, after, count = 3) {
  const zone = !timezone || timezone === "Etc/UTC" ? "UTC" : timezone;
  let cron;
  try {
    cron = parseCron(expression || "");
  } catch {
    return [];
  }
  if (!cron) return [];
  const runs = [];
  const start = new Date(after.getTime() - 14 * 3600 * 1000); // a day or so before, in any zone
  const minutes = cron.minutes ? list(cron.minutes) : [...Array(60).keys()];
  const hours = cron.hours ? list(cron.hours) : [...Array(24).keys()];
  for (let day = 0; day < 366 * 5 && runs.length < count; day++) {
    const date = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + day));
    const [y, mo, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (cron.years && !cron.years.has(y)) continue;
    if (cron.months && !cron.months.has(mo)) continue;
    if (cron.dom && !cron.dom.has(d)) continue;
    if (cron.dow && !cron.dow.has(date.getUTCDay() + 1)) continue;
    for (const h of hours) {
      for (const mi of minutes) {
        const run = wallToUtc(y, mo, d, h, mi, zone);
        if (run > after && runs.length < count) runs.push(run);
      }
    }
  }
  return runs;
}

// The longest gap between runs (ms): the RPO a rule promises. rate() gives its own period.
export function period(expression, timezone, after) {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression || "");
  if (rate) return Number(rate[1]) * { minute: 60, hour: 3600, day: 86400 }[rate[2].replace(/s$/, "")] * 1000;
  const runs = nextRuns(expression, timezone, after, 8);
  if (runs.length < 2) return null;
  return Math.max(...runs.slice(1).map((run, i) => run - runs[i]));
}
