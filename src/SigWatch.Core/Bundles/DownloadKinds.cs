namespace SigWatch.Core.Bundles;

/// <summary>
/// The downloads SigWatch records beside app bundles when they sit directly in a root (a Downloads folder, a mounted
/// volume's top level): disk images, flat installer packages and zip archives, told apart by name here and by content
/// when assessed (a .dmg without a koly trailer is reported as such, not trusted by its name).
/// </summary>
public static class DownloadKinds
{
    public const string DiskImage = "disk-image";
    public const string InstallerPackage = "installer-package";
    public const string Archive = "archive";

    /// <summary>The kind a file name suggests; null for anything else.</summary>
    public static string? KindOf(ReadOnlySpan<char> name) =>
        name.EndsWith(".dmg", StringComparison.OrdinalIgnoreCase) ? DiskImage
        : name.EndsWith(".pkg", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".mpkg", StringComparison.OrdinalIgnoreCase) ? InstallerPackage
        : name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? Archive
        : null;
}
