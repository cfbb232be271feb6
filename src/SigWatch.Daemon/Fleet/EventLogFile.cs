using System.Globalization;
using System.Text.Json;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// The NDJSON file itself: appends whole lines, rotates by size and by age (rename to
/// <c>events-&lt;UTC time&gt;.ndjson</c> beside it; shippers that follow by inode or by name both keep reading), deletes
/// rotated files beyond the retention, and on start finds where the last run stopped. A line is only ever written whole
/// or, after a failed write or a crash in the middle of one, cut back to the last newline, so every line in the file
/// parses.
/// </summary>
internal sealed class EventLogFile(string path, long maxBytes, TimeSpan maxAge, int retainFiles, TimeProvider time) : IDisposable
{
    /// <summary>How far back from the end recovery looks for the last event and assessment lines (a batch is far smaller).</summary>
    internal const int RecoveryScanBytes = 8 * 1024 * 1024;

    private FileStream? _stream;
    private DateTimeOffset? _firstLineTime;

    public string Path { get; } = path;

    /// <summary>Bytes in the current file.</summary>
    public long Length { get; private set; }

    /// <summary>Where the previous run stopped: the last ids found in the file (or the newest rotated one), 0 when none.</summary>
    public sealed record Position(long LastEventId, long LastAssessmentId);

    /// <summary>
    /// Opens the file (creating it 0600), cuts a partial last line left by a crash, and returns the last event and
    /// assessment ids written, looking into the newest rotated files when the current one does not have them.
    /// </summary>
    public Position Recover()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        Open();
        var (events, assessments) = Scan(_stream!);
        Length = _stream!.Length;
        _firstLineTime = FirstLineTime(_stream);
        foreach (var rotated in RotatedFiles().Take(2))
        {
            if (events is not null && assessments is not null)
            {
                break;
            }

            try
            {
                using var old = new FileStream(rotated, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var (e, a) = Scan(old);
                events ??= e;
                assessments ??= a;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A rotated file that cannot be read says nothing; the store's cursor is the fallback.
            }
        }

        return new Position(events ?? 0, assessments ?? 0);
    }

    /// <summary>
    /// Appends <paramref name="lines"/> (whole lines, each ending in '\n') and flushes them to the disk, rotating first when
    /// the file would pass its size or its first line its age. On failure the file is cut back to its last whole line
    /// and the exception is rethrown: nothing half-written stays.
    /// </summary>
    public void Append(ReadOnlySpan<byte> lines, DateTimeOffset firstLineTime)
    {
        if (_stream is null)
        {
            Open();
            Length = _stream!.Length;
        }

        if (Length > 0 && (Length + lines.Length > maxBytes || (_firstLineTime is { } first && time.GetUtcNow() - first >= maxAge)))
        {
            Rotate();
        }

        var before = Length;
        try
        {
            _stream!.Seek(before, SeekOrigin.Begin);
            _stream.Write(lines);
            _stream.Flush(flushToDisk: true);
            Length = before + lines.Length;
            _firstLineTime ??= firstLineTime;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CutBackTo(before);
            throw;
        }
    }

    private void CutBackTo(long length)
    {
        try
        {
            _stream?.SetLength(length);
            _stream?.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file cannot even be cut (disk gone): drop the handle; the next write reopens and Recover-style cutting
            // happens then.
            _stream?.Dispose();
            _stream = null;
        }
    }

    private void Open()
    {
        _stream?.Dispose();
        _stream = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            // Shippers read it while it is written, and it is renamed under them at rotation.
            Share = FileShare.ReadWrite | FileShare.Delete,
            UnixCreateMode = Hosting.PrivateDirectories.FileMode,
        });
        if ((File.GetUnixFileMode(Path) & ~Hosting.PrivateDirectories.FileMode) != 0)
        {
            File.SetUnixFileMode(Path, Hosting.PrivateDirectories.FileMode);
        }

        // A partial line (a write cut by a crash or a full disk) is removed before anything is appended after it.
        CutPartialLine(_stream);
        Length = _stream.Length;
    }

    private static void CutPartialLine(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return;
        }

        Span<byte> last = stackalloc byte[1];
        stream.Seek(length - 1, SeekOrigin.Begin);
        stream.ReadExactly(last);
        if (last[0] == (byte)'\n')
        {
            return;
        }

        var start = Math.Max(0, length - RecoveryScanBytes);
        var buffer = new byte[length - start];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        // No newline in the window: the whole window is one broken line (the file was not written by us).
        stream.SetLength(start + buffer.AsSpan().LastIndexOf((byte)'\n') + 1);
        stream.Flush(flushToDisk: true);
    }

    private void Rotate()
    {
        _stream?.Dispose();
        _stream = null;
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        // Within one millisecond, one past the highest number in use: the first free name would reuse one that
        // retention just deleted, and that file would sort as the oldest and be deleted next.
        var prefixLength = Stem.Length + 1;
        var taken = RotatedFiles().Select(f => RotationKey(System.IO.Path.GetFileName(f), prefixLength))
            .Where(k => k?.Stamp == stamp).Select(k => (int?)k!.Value.Sequence).Max();
        var target = taken is { } highest ? RotatedName($"{stamp}-{highest + 1}") : RotatedName(stamp);

        File.Move(Path, target);
        _firstLineTime = null;
        Open();
        foreach (var old in RotatedFiles().Skip(retainFiles))
        {
            try
            {
                File.Delete(old);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Retention is retried at the next rotation.
            }
        }
    }

    private string Stem => System.IO.Path.GetFileNameWithoutExtension(Path);

    private string Extension => System.IO.Path.GetExtension(Path);

    private string RotatedName(string stamp) => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, $"{Stem}-{stamp}{Extension}");

    /// <summary>Rotated files, newest first (their names sort by time).</summary>
    public IReadOnlyList<string> RotatedFiles()
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var prefix = Stem + "-";
        return [.. Directory.EnumerateFiles(directory, prefix + "*" + Extension)
            .Select(f => (Path: f, Key: RotationKey(System.IO.Path.GetFileName(f), prefix.Length)))
            .Where(f => f.Key is not null)
            .OrderByDescending(f => f.Key!.Value.Stamp, StringComparer.Ordinal)
            .ThenByDescending(f => f.Key!.Value.Sequence)
            .Select(f => f.Path)];
    }

    /// <summary>
    /// A rotated name's time stamp and its collision number ("…Z.ndjson" is 0, "…Z-2.ndjson" is 2): rotations within
    /// one millisecond differ only by the number, which must compare as a number, not as text ('-' sorts before '.').
    /// </summary>
    private (string Stamp, int Sequence)? RotationKey(string name, int prefixLength)
    {
        var rest = name.AsSpan(prefixLength, name.Length - prefixLength - Extension.Length);
        if (rest.IsEmpty || !char.IsAsciiDigit(rest[0]))
        {
            return null;
        }

        var dash = rest.IndexOf('-');
        if (dash < 0)
        {
            return (rest.ToString(), 0);
        }

        return int.TryParse(rest[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? (rest[..dash].ToString(), sequence)
            : null;
    }

    /// <summary>
    /// The last event id and assessment id in the whole lines of the last <see cref="RecoveryScanBytes"/> of
    /// <paramref name="stream"/> (null for a kind not found).
    /// </summary>
    private static (long? Events, long? Assessments) Scan(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return (null, null);
        }

        var start = Math.Max(0, length - RecoveryScanBytes);
        var buffer = new byte[length - start];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        var text = buffer.AsSpan();
        var lastNewline = text.LastIndexOf((byte)'\n');
        text = lastNewline < 0 ? [] : text[..(lastNewline + 1)];
        long? events = null;
        long? assessments = null;
        var end = text.Length - 1;
        while (end > 0 && (events is null || assessments is null))
        {
            var begin = text[..end].LastIndexOf((byte)'\n') + 1;
            // The first line of a window that starts mid-file may be cut: it does not parse, and is skipped.
            if (ReadIds(text[begin..end]) is var (isAssessment, id) && id > 0)
            {
                if (isAssessment)
                {
                    assessments ??= id;
                }
                else
                {
                    events ??= id;
                }
            }

            end = begin - 1;
        }

        return (events, assessments);
    }

    /// <summary>Whether a line is an assessment line, and its id (sigwatch.assessment_id, else sigwatch.event_id); null when it does not parse.</summary>
    internal static (bool IsAssessment, long Id)? ReadIds(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            var isAssessment = root.TryGetProperty("event", out var ev) && ev.TryGetProperty("kind", out var kind) && kind.ValueEquals("state"u8);
            if (!root.TryGetProperty("sigwatch", out var sigwatch))
            {
                return null;
            }

            var name = isAssessment ? "assessment_id" : "event_id";
            return sigwatch.TryGetProperty(name, out var id) && id.TryGetInt64(out var value) ? (isAssessment, value) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DateTimeOffset? FirstLineTime(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return null;
        }

        var buffer = new byte[(int)Math.Min(stream.Length, 1024 * 1024)];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        var newline = buffer.AsSpan().IndexOf((byte)'\n');
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, newline < 0 ? buffer.Length : newline));
            return document.RootElement.TryGetProperty("@timestamp", out var stamp) && stamp.TryGetDateTimeOffset(out var when) ? when : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
