using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>The strict checks of the seal (<c>codesign --strict</c>): rule strength, bundle roots, <c>_CodeSignature</c> contents.</summary>
public sealed partial class BundleVerifier
{
    // SEC StaticCode.cpp validateAppRoot / hasWeakResourceRules.
    private static readonly HashSet<string> s_allowedAppRootEntries = new(StringComparer.Ordinal)
    {
        BundleStructure.ContentsDirectory, ".LSOverride", ".DS_Store", "Icon\r", ".SoftwareDepot.tracking",
    };

    private void CheckRuleStrength(CodeResources seal, BundleStructure structure, List<Finding> findings)
    {
        if (!_options.Strict)
        {
            return;
        }

        var resources = structure.Shape == BundleShape.Shallow ? "" : "Resources/";
        string[] allowedOmissions = [@"^(.*/)?\.DS_Store$", @"^Info\.plist$", @"^PkgInfo$", $@"^{resources}.*\.lproj/locversion.plist$"];
        var (rulesKey, catchAll) = seal.Version == 2 ? ("rules2", "^.*") : ("rules", "^Resources/");
        var weak = !seal.HasCatchAllRule ? $"{rulesKey} lacks '{catchAll}' = true" : seal.OmitPatterns.FirstOrDefault(p => !allowedOmissions.Contains(p)) is { } omit
            ? $"{rulesKey} omits '{omit}', which Apple does not allow in strict mode" : null;
        if (weak is not null)
        {
            findings.Add(new Finding(FindingKind.WeakResourceRules, FindingSeverity.Error, $"weak resource rules: {weak}", "_CodeSignature/CodeResources"));
        }

        if (seal.Version == 1)
        {
            findings.Add(new Finding(FindingKind.WeakResourceEnvelope, FindingSeverity.Error,
                "the seal has only a version 1 'files' dictionary (no files2): resource envelope is obsolete", "_CodeSignature/CodeResources"));
        }
    }

    private void CheckRoot(BundleStructure structure, List<Finding> findings)
    {
        if (structure.Shape == BundleShape.Shallow)
        {
            return;
        }

        IReadOnlyList<FileTreeEntry> entries;
        try
        {
            entries = _tree.List(structure.BundlePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list the bundle root: {e.Message}", ".."));
            return;
        }

        foreach (var entry in entries)
        {
            if (structure.Shape == BundleShape.Deep)
            {
                if (!s_allowedAppRootEntries.Contains(entry.Name))
                {
                    findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                        "unsealed contents present in the bundle root (beside Contents/)", "../" + entry.Name));
                }

                continue;
            }

            // SEC validateFrameworkRoot: root entries are symlinks into the current version.
            if (entry.Name is BundleStructure.VersionsDirectory or ".DS_Store")
            {
                continue;
            }

            var target = entry.Kind == FileTreeKind.Symlink ? _tree.ReadLink(Path.Combine(structure.BundlePath, entry.Name)) : null;
            var fine = target == $"Versions/Current/{entry.Name}" || target == $"Versions/{structure.VersionName}/{entry.Name}"
                || (entry.Name == "module.map" && (entry.Kind == FileTreeKind.Regular || target?.StartsWith("Versions/", StringComparison.Ordinal) == true));
            if (!fine)
            {
                findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                    target is null ? "unsealed contents present in the root directory of an embedded framework"
                        : $"framework root symlink points to '{target}', not Versions/Current/{entry.Name}",
                    "../../" + entry.Name));
            }
        }

        var versions = Path.Combine(structure.BundlePath, BundleStructure.VersionsDirectory);
        if (_tree.StatOrUnknown(Path.Combine(versions, BundleStructure.CurrentVersion)).Kind is not (FileTreeKind.Symlink or FileTreeKind.Missing) && structure.Shape == BundleShape.Framework)
        {
            findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error, "Versions/Current is not a symlink", "../Current"));
        }
    }

    private void CheckCodeSignatureDirectory(BundleStructure structure, IReadOnlySet<string> detached, List<Finding> findings)
    {
        IReadOnlyList<FileTreeEntry> entries;
        try
        {
            if (_tree.Stat(structure.CodeSignatureDirectory).Kind != FileTreeKind.Directory)
            {
                return;
            }

            entries = _tree.List(structure.CodeSignatureDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list _CodeSignature: {e.Message}", "_CodeSignature"));
            return;
        }

        foreach (var entry in entries)
        {
            // SEC tolerates an empty CodeSignature file left beside an embedded signature.
            var allowed = entry.Name == "CodeResources" || detached.Contains(entry.Name)
                || (entry.Name == "CodeSignature" && entry.Kind == FileTreeKind.Regular && entry.Size == 0);
            if (!allowed)
            {
                findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                    "unsealed contents present in _CodeSignature", "_CodeSignature/" + entry.Name));
            }
        }
    }
}
