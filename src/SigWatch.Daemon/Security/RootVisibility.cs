using System.Collections.Concurrent;
using SigWatch.Core.Assessment;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Configuration;
using SigWatch.Platform;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Privacy between users (ARCHITECTURE.md, security model): each root has an owner — the user whose Downloads folder it
/// is (a root named <c>Downloads</c>, owned by that non-root user); /Applications and any other root has none. Bundles
/// and events under a user-owned root are visible only to that user and to admins, in list, show, events and the event
/// stream alike. Owners are read from the file system (lstat) and re-read at most every <see cref="Refresh"/>.
/// </summary>
internal sealed class RootVisibility(DaemonOptions options, TimeProvider time)
{
    internal static readonly TimeSpan Refresh = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (uint? Owner, DateTimeOffset Read)> _owners = new(StringComparer.Ordinal);

    /// <summary>The uid whose Downloads <paramref name="root"/> is; null when it belongs to nobody in particular.</summary>
    public uint? OwnerOf(string root)
    {
        var now = time.GetUtcNow();
        if (_owners.TryGetValue(root, out var known) && now - known.Read < Refresh)
        {
            return known.Owner;
        }

        uint? owner = null;
        if (AssessmentComparison.KindOfRoot(root) == RootKind.Downloads)
        {
            try
            {
                var status = FileKinds.Stat(root);
                owner = status.Kind == FileTreeKind.Directory && status.OwnerUid != 0 ? status.OwnerUid : null;
            }
            catch (IOException)
            {
                owner = known.Owner; // keep what was known while the root cannot be examined
            }
        }

        _owners[root] = (owner, now);
        return owner;
    }

    /// <summary>The roots whose bundles and events <paramref name="caller"/> may not see.</summary>
    public IReadOnlyList<string> HiddenFrom(Caller caller) =>
        caller.IsAdmin ? [] : [.. options.Roots.Where(root => OwnerOf(root) is { } owner && owner != caller.UserId)];

    /// <summary>Null when <paramref name="caller"/> may see what is under <paramref name="root"/>; else the rule that hides it.</summary>
    public string? Denial(Caller caller, string root) =>
        caller.IsAdmin || OwnerOf(root) is not { } owner || owner == caller.UserId
            ? null
            : $"{FileNames.Display(root)} is uid {owner}'s Downloads: its bundles and events are visible only to uid {owner} and admins ({caller.Role})";
}
