using System.Globalization;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Date operands: whole seconds since 2001-01-01T00:00:00Z (CFAbsoluteTime truncated to int64, reqreader.cpp
/// <c>getAbsoluteTime</c>), written in source as <c>timestamp "YYYYMMDDhhmmssZ"</c> (ASN.1 GeneralizedTime content).
/// </summary>
public static class RequirementTimestamp
{
    public static readonly DateTime Epoch = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static bool TryToDateTime(long seconds, out DateTime value)
    {
        // Whole seconds, so tick arithmetic is exact where double seconds would round far from 2001.
        var min = (DateTime.MinValue - Epoch).Ticks / TimeSpan.TicksPerSecond;
        var max = (DateTime.MaxValue - Epoch).Ticks / TimeSpan.TicksPerSecond;
        if (seconds < min || seconds > max)
        {
            value = default;
            return false;
        }

        value = Epoch.AddTicks(seconds * TimeSpan.TicksPerSecond);
        return true;
    }

    /// <summary>Seconds since 2001, with any fraction dropped toward the past (CFAbsoluteTime cast to int64).</summary>
    public static long FromDateTime(DateTime value)
    {
        var ticks = (value.ToUniversalTime() - Epoch).Ticks;
        return ticks >= 0 ? ticks / TimeSpan.TicksPerSecond : -((-ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
    }

    public static string ToGeneralizedTime(DateTime value) =>
        value.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// GeneralizedTime content as the grammar's <c>timestamp</c> rule takes it: <c>YYYYMMDDhhmmss</c>, optional
    /// fraction (dropped, as the int64 cast drops it), then <c>Z</c>.
    /// </summary>
    public static bool TryParseGeneralizedTime(string text, out long seconds)
    {
        seconds = 0;
        var z = text.Length - 1;
        if (text.Length < 15 || text[z] != 'Z')
        {
            return false;
        }

        var main = text[..14];
        var fraction = text[14..z];
        if (fraction.Length > 0 && (fraction[0] != '.' || fraction.Length == 1 || !fraction[1..].All(char.IsAsciiDigit)))
        {
            return false;
        }

        if (!DateTime.TryParseExact(main, "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return false;
        }

        seconds = FromDateTime(at);
        return true;
    }

    /// <summary>The dumper's form, <c>2019-04-08 00:00:00 +0000</c>, or raw seconds.</summary>
    public static bool TryParseDescription(string text, out long seconds)
    {
        if (DateTime.TryParseExact(text, "yyyy'-'MM'-'dd' 'HH':'mm':'ss' +0000'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            seconds = FromDateTime(at);
            return true;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seconds);
    }
}
