using System.Text;
using SigWatch.Daemon.Fleet;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Fleet;

/// <summary>The event log file on a real file system: rotation, retention, and where a restart continues.</summary>
public sealed class EventLogFileTests
{
    private static byte[] Line(long eventId) =>
        Encoding.UTF8.GetBytes($"{{\"@timestamp\":\"2026-12-02T10:00:00.000Z\",\"event\":{{\"kind\":\"event\"}},\"sigwatch\":{{\"event_id\":{eventId}}}}}\n");

    private static long EventIdIn(string path) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(File.ReadAllText(path), "\"event_id\":(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] AssessmentLine(long assessmentId) =>
        Encoding.UTF8.GetBytes($"{{\"@timestamp\":\"2026-12-02T10:00:00.000Z\",\"event\":{{\"kind\":\"state\"}},\"sigwatch\":{{\"assessment_id\":{assessmentId},\"event_id\":0}}}}\n");

    /// <summary>The time the lines above say they were written; the clock of every file stays near it.</summary>
    private static readonly DateTimeOffset s_linesWritten = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    // The clock is fixed an hour after the lines' time stamps: with the system clock, the age rotation (one day after
    // the first line) would start to fire the day after those stamps and every later day.
    private static EventLogFile Open(string path, long maxBytes = 1 << 20, int retain = 10) =>
        new(path, maxBytes, TimeSpan.FromDays(1), retain, new FixedTime(s_linesWritten.AddHours(1)));

    [Fact]
    public void Recover_AfterLinesWereWritten_ContinuesAfterTheLastEventAndAssessment()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        using (var file = Open(path))
        {
            Assert.Equal(new EventLogFile.Position(0, 0), file.Recover());
            file.Append([.. Line(1), .. AssessmentLine(7), .. Line(2)], s_linesWritten);
        }

        using var again = Open(path);
        Assert.Equal(new EventLogFile.Position(2, 7), again.Recover());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Recover_ALastLineWithoutItsNewline_IsCutOff_AndDoesNotCount()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        File.WriteAllBytes(path, [.. Line(1), .. Line(2), .. Encoding.UTF8.GetBytes("{\"sigwatch\":{\"event_id\":3")]);
        using var file = Open(path);
        Assert.Equal(new EventLogFile.Position(2, 0), file.Recover());
        Assert.Equal([.. Line(1), .. Line(2)], File.ReadAllBytes(path));
        file.Append(Line(3), s_linesWritten);
        Assert.Equal([.. Line(1), .. Line(2), .. Line(3)], File.ReadAllBytes(path));
    }

    [Fact]
    public void Append_PastTheSizeLimit_RotatesAndKeepsOnlyTheRetainedFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        var size = Line(1).Length;
        using var file = Open(path, maxBytes: size * 2, retain: 2);
        file.Recover();
        for (var id = 1; id <= 9; id++)
        {
            file.Append(Line(id), s_linesWritten);
        }

        // Two lines per file: 1-2, 3-4, 5-6, 7-8 rotated (the oldest two deleted), 9 current.
        var rotated = file.RotatedFiles();
        Assert.Equal(2, rotated.Count);
        Assert.Equal([.. Line(5), .. Line(6)], File.ReadAllBytes(rotated[1]));
        Assert.Equal([.. Line(7), .. Line(8)], File.ReadAllBytes(rotated[0]));
        Assert.Equal(Line(9), File.ReadAllBytes(path));
        Assert.All(rotated, r => Assert.Matches(@"events-\d{8}T\d{6}\.\d{3}Z(-\d+)?\.ndjson$", r));
    }

    [Fact]
    public void Recover_RightAfterARotation_FindsThePositionInTheNewestRotatedFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        File.WriteAllBytes(dir.Combine("events-20261201T000000.000Z.ndjson"), [.. Line(1), .. Line(2)]);
        File.WriteAllBytes(dir.Combine("events-20261202T000000.000Z.ndjson"), [.. Line(3), .. AssessmentLine(4), .. Line(5)]);
        File.WriteAllBytes(path, []);
        using var file = Open(path);
        Assert.Equal(new EventLogFile.Position(5, 4), file.Recover());
    }

    [Fact]
    public void Append_ByAge_RotatesWhenTheFirstLineIsOlderThanTheLimit()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        File.WriteAllBytes(path, Line(1)); // its first line is from 2026-12-02T10:00Z
        using var file = new EventLogFile(path, 1 << 20, TimeSpan.FromHours(1), 10, new FixedTime(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero)));
        file.Recover();
        file.Append(Line(2), s_linesWritten);
        Assert.Equal(Line(1), File.ReadAllBytes(Assert.Single(file.RotatedFiles())));
        Assert.Equal(Line(2), File.ReadAllBytes(path));
        Assert.EndsWith("events-20261202T120000.000Z.ndjson", file.RotatedFiles()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Append_ManyRotationsWithinOneMillisecond_KeepsTheNewestInOrder()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("events.ndjson");
        var size = Line(1).Length;
        using var file = new EventLogFile(path, size, TimeSpan.FromDays(1), 3, new FixedTime(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero)));
        file.Recover();
        for (var id = 1; id <= 13; id++)
        {
            file.Append(Line(id), s_linesWritten);
        }

        // One line per file: 1..12 rotated as …000Z, …000Z-1 … …000Z-11 (the "-10" and "-11" sort after "-9" as
        // numbers), only the newest three kept; 13 is current.
        Assert.Equal([12L, 11L, 10L], file.RotatedFiles().Select(EventIdIn));
        Assert.EndsWith("events-20261202T120000.000Z-11.ndjson", file.RotatedFiles()[0], StringComparison.Ordinal);
        Assert.Equal(Line(13), File.ReadAllBytes(path));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
