using SigWatch.Core.FileSystem;

namespace SigWatch.TestSupport;

/// <summary>
/// An extended-attribute reader where exactly the paths in <see cref="Paths"/> carry com.apple.quarantine: lets a test
/// set and clear quarantine on any filesystem (tmpfs has no user.* attributes), and change it between two walks.
/// </summary>
public sealed class QuarantinedPaths : IExtendedAttributeReader
{
    public HashSet<string> Paths { get; } = new(StringComparer.Ordinal);

    public byte[]? Get(string path, string name) =>
        name == ExtendedAttributeNames.Quarantine && Paths.Contains(path) ? "0083;6723b9fa;Safari;"u8.ToArray() : null;

    public IReadOnlyList<string> List(string path) => Paths.Contains(path) ? [ExtendedAttributeNames.Quarantine] : [];
}
