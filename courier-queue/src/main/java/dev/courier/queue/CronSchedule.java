package dev.courier.queue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A cron expression in a time zone: five fields (minute hour day-of-month month day-of-week) or six
 * (with seconds first), with lists, ranges, steps, {@code *}, month and day names, and the macros
 * {@code @yearly @monthly @weekly @daily @hourly}. Day-of-month and day-of-week combine as in Vixie
 * cron: when both are restricted, either matching is enough.
 *
 * <p>Daylight saving: a time that does not exist (spring forward) runs at the first instant after
 * the gap; a time that happens twice (fall back) runs once, at its first occurrence.
 */
public final class CronSchedule {
  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");
  private static final String[] MONTHS = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
  };
  private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  private final String expression;
  private final ZoneId zone;
  private final BitSet seconds;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private CronSchedule(String expression, ZoneId zone, String[] f) {
    this.expression = expression;
    this.zone = zone;
    int offset = f.length == 6 ? 1 : 0;
    this.seconds = f.length == 6 ? parseField(f[0], 0, 59, null, "seconds") : single(0);
    this.minutes = parseField(f[offset], 0, 59, null, "minute");
    this.hours = parseField(f[offset + 1], 0, 23, null, "hour");
    this.daysOfMonth = parseField(f[offset + 2], 1, 31, null, "day of month");
    this.months = parseField(f[offset + 3], 1, 12, MONTHS, "month");
    BitSet dow = parseField(f[offset + 4].replace("7", "0"), 0, 6, DAYS, "day of week");
    this.daysOfWeek = dow;
    this.domRestricted = !f[offset + 2].equals("*") && !f[offset + 2].equals("?");
    this.dowRestricted = !f[offset + 4].equals("*") && !f[offset + 4].equals("?");
  }

  /**
   * Parses an expression for a time zone.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public static CronSchedule parse(String expression, ZoneId zone) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("cron: must not be empty");
    }
    String expr = expression.trim();
    String expanded = MACROS.getOrDefault(expr.toLowerCase(Locale.ROOT), expr);
    String[] fields = expanded.split("\\s+");
    if (fields.length != 5 && fields.length != 6) {
      throw new IllegalArgumentException(
          "cron: '" + expression + "' must have 5 fields (minute hour day month weekday) or 6 (with seconds first)");
    }
    return new CronSchedule(expr, zone, fields);
  }

  public String expression() {
    return expression;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The first tick strictly after {@code after}. */
  public Instant next(Instant after) {
    LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    LocalDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
        continue;
      }
      if (!dayMatches(t.toLocalDate())) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
        continue;
      }
      if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
        continue;
      }
      if (!minutes.get(t.getMinute())) {
        t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        continue;
      }
      if (!seconds.get(t.getSecond())) {
        t = t.plusSeconds(1);
        continue;
      }
      // Resolve the local time in the zone: gaps move forward, overlaps take the earlier offset.
      Instant candidate = ZonedDateTime.ofLocal(t, zone, null).toInstant();
      if (candidate.isAfter(after)) {
        return candidate;
      }
      t = t.plusSeconds(1);
    }
    throw new IllegalStateException("cron: '" + expression + "' has no tick in the next 5 years");
  }

  /** The last tick at or before {@code at}, or null when there is none in the past 5 years. */
  public Instant previousOrSame(Instant at) {
    // Walk back in growing windows: cheap for frequent schedules, bounded for rare ones.
    for (long window = 60; window <= 5L * 366 * 24 * 3600; window *= 4) {
      Instant from = at.minusSeconds(window);
      Instant tick = next(from.minusSeconds(1));
      if (tick.isAfter(at)) {
        continue;
      }
      Instant last = tick;
      while (true) {
        Instant n = next(last);
        if (n.isAfter(at)) {
          return last;
        }
        last = n;
      }
    }
    return null;
  }

  private boolean dayMatches(LocalDate date) {
    boolean dom = daysOfMonth.get(date.getDayOfMonth());
    int dowIndex = date.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : date.getDayOfWeek().getValue();
    boolean dow = daysOfWeek.get(dowIndex);
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  private static BitSet single(int v) {
    BitSet b = new BitSet();
    b.set(v);
    return b;
  }

  private static BitSet parseField(String field, int min, int max, String[] names, String what) {
    BitSet bits = new BitSet(max + 1);
    for (String part : field.split(",")) {
      String range = part;
      int step = 1;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        range = part.substring(0, slash);
        step = parseNumber(part.substring(slash + 1), 1, max, null, what);
      }
      int lo;
      int hi;
      if (range.equals("*") || range.equals("?")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        String[] ends = range.split("-", 2);
        lo = parseNumber(ends[0], min, max, names, what);
        hi = parseNumber(ends[1], min, max, names, what);
        if (hi < lo) {
          throw new IllegalArgumentException("cron: " + what + " range '" + range + "' ends before it starts");
        }
      } else {
        lo = parseNumber(range, min, max, names, what);
        hi = slash >= 0 ? max : lo;
      }
      for (int v = lo; v <= hi; v += step) {
        bits.set(v);
      }
    }
    return bits;
  }

  private static int parseNumber(String text, int min, int max, String[] names, String what) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    if (names != null) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(t)) {
          return i + (names == MONTHS ? 1 : 0);
        }
      }
    }
    try {
      int v = Integer.parseInt(t);
      if (v < min || v > max) {
        throw new IllegalArgumentException("cron: " + what + " value " + v + " is out of range " + min + "-" + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cron: " + what + " value '" + text + "' is not a number or name");
    }
  }

  @Override
  public String toString() {
    return expression + " (" + zone + ")";
  }
}
