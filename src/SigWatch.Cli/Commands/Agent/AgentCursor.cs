using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SigWatch.Cli.Commands.Agent;

/// <summary>
/// The last event id the agent has dealt with (posted, or found below the threshold), kept in the user's state directory,
/// one file per daemon socket. It is written only after the notifications up to it were posted, by writing a new file
/// and renaming it over the old one (rename is atomic), so an agent killed at any moment resumes exactly there.
/// </summary>
internal sealed class AgentCursor(string path)
{
    public string Path { get; } = path;

    /// <summary>The cursor file for the daemon at <paramref name="socketPath"/>, in <paramref name="stateDirectory"/>.</summary>
    public static AgentCursor For(string stateDirectory, string socketPath)
    {
        Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(socketPath)))[..12];
        return new AgentCursor(System.IO.Path.Combine(stateDirectory, $"agent-{key}.cursor"));
    }

    /// <summary>The stored id; null when there is none (first run) or it is unreadable (said in <paramref name="problem"/>).</summary>
    public long? Read(out string? problem)
    {
        problem = null;
        try
        {
            var text = File.ReadAllText(Path).Trim();
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return id;
            }

            problem = $"{Path} does not hold an event id ('{(text.Length > 40 ? text[..40] + "…" : text)}')";
            return null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(long id)
    {
        var temporary = Path + ".new";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            file.Write(Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture) + "\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
