using System.Text;

namespace SigWatch.Cli.Output;

/// <summary>
/// Drops spaces at the end of every line, so tables written to a pipe or a file carry no padding a script would have to
/// strip. Text is passed on a line at a time (Console.Out flushes on every write); trailing spaces are held back until
/// something other than a line end follows them.
/// </summary>
internal sealed class TrailingSpaceTrimmingWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            EndLine();
            return;
        }

        _line.Append(value);
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (buffer.Length > 0)
        {
            var end = buffer.IndexOf('\n');
            if (end < 0)
            {
                _line.Append(buffer);
                return;
            }

            _line.Append(buffer[..end]);
            EndLine();
            buffer = buffer[(end + 1)..];
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write(CoreNewLine);
    }

    public override void Flush()
    {
        // Pass on what cannot change any more: everything up to the last character that is not a space.
        var keep = Trimmed();
        if (keep > 0)
        {
            inner.Write(_line.ToString(0, keep));
            _line.Remove(0, keep);
        }

        inner.Flush();
    }

    public override Task FlushAsync()
    {
        Flush();
        return Task.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void EndLine()
    {
        var cr = _line.Length > 0 && _line[^1] == '\r';
        if (cr)
        {
            _line.Length--;
        }

        _line.Length = Trimmed();
        _line.Append(cr ? "\r\n" : "\n");
        inner.Write(_line.ToString());
        _line.Clear();
    }

    private int Trimmed()
    {
        var length = _line.Length;
        while (length > 0 && _line[length - 1] == ' ')
        {
            length--;
        }

        return length;
    }
}
