using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.MachO;
using SigWatch.Core.Plist;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>The main code: the executable (or the detached signature of a bundle without one) with Info.plist and CodeResources bound through special slots.</summary>
public sealed partial class BundleVerifier
{
    /// <summary>
    /// The main executable's name as CFBundle finds it (CF CFBundle.c <c>_CFBundleCopyExecutableName</c>): CFBundleExecutable,
    /// else the old NSExecutable key, else the bundle's name without its extension; a name from the fallback counts only
    /// when such a file exists. An unparseable Info.plist is an empty dictionary to CF, so the fallback applies.
    /// </summary>
    private string? ExecutableName(BundleStructure structure, PlistDictionary? info)
    {
        static bool Usable(string? name) => name is { Length: > 0 } && name.IndexOfAny(['/', '\0']) < 0 && name is not (".." or ".");
        if ((info?.GetString("CFBundleExecutable") ?? info?.GetString("NSExecutable")) is { } named)
        {
            return Usable(named) ? named : null;
        }

        var fallback = Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(structure.BundlePath));
        return Usable(fallback) && _tree.StatOrUnknown(Path.Combine(structure.ExecutableDirectory, fallback)).Kind == FileTreeKind.Regular ? fallback : null;
    }

    private MainCode VerifyMainCode(BundleStructure structure, string? executableName, ReadOnlyMemory<byte>? info,
        BundleSlotSource slotSource, bool hasSeal, List<Finding> findings, List<(string Path, FileTreeEntry Entry)> anchors)
    {
        var none = (IReadOnlySet<string>)new HashSet<string>();
        string? executableRelative = null;
        ReadOnlyMemory<byte>? code = null;
        string? notCode = null;
        if (executableName is not null)
        {
            executableRelative = structure.ExecutableRelativePath(executableName);
            var path = Path.Combine(structure.ExecutableDirectory, executableName);
            var entry = _tree.StatOrUnknown(path);
            anchors.Add((path, entry));
            if (entry.Kind != FileTreeKind.Regular)
            {
                findings.Add(new Finding(FindingKind.FileMissing, FindingSeverity.Error,
                    entry.Kind == FileTreeKind.Missing
                        ? "the main executable named by CFBundleExecutable is missing"
                        : $"the main executable named by CFBundleExecutable is a {FileTreeReads.Describe(entry.Kind)}, not a regular file; not opened", executableRelative));
                return new MainCode([], null, executableRelative, none);
            }

            code = ReadSmallFile(path, executableRelative, findings, anchors);
            if (code is { } bytes)
            {
                var kind = MachFile.Identify(bytes.Span, out var description);
                if (kind == MachFileKind.Code)
                {
                    var report = _signatureVerifier.Verify(bytes, executableRelative, slotSource);
                    if (report.Verdict == SignatureVerdict.Unsigned)
                    {
                        findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "code object is not signed at all", executableRelative));
                        return new MainCode([], null, executableRelative, none);
                    }

                    // A damaged executable (its header, load commands or signature unreadable) is reported as such:
                    // the bundle is invalid with that cause, never "unsigned".
                    findings.AddRange(report.Findings);
                    return new MainCode(report.Architectures, report.Architectures.FirstOrDefault(a => a.Signature is not null)?.Signature,
                        executableRelative, none);
                }

                notCode = kind == MachFileKind.NotCode ? description : $"{bytes.Length} bytes without a Mach-O header";
            }
        }

        // SEC bundlediskrep.cpp: without a Mach-O main executable the components are files in _CodeSignature/ and the
        // code is the executable file, or the Info.plist when there is none (reference §8.7).
        var used = new HashSet<string>(StringComparer.Ordinal);
        var signature = CodeSignature.ReadDetached(name =>
        {
            var bytes = ReadSmallFile(Path.Combine(structure.CodeSignatureDirectory, name), "_CodeSignature/" + name, findings, anchors, quietIfMissing: true);
            if (bytes is null)
            {
                return null;
            }

            used.Add(name);
            return bytes.Value.ToArray();
        });
        if (signature is null)
        {
            if (notCode is not null && hasSeal)
            {
                // codesign would read the file as plain data and say "not signed at all"; but the resource seal proves
                // the bundle was signed with Mach-O code here, so the executable was damaged or replaced after signing.
                findings.Add(new Finding(FindingKind.MalformedMachO, FindingSeverity.Error,
                    $"the main executable is not Mach-O code any more ({notCode}), although the bundle carries a resource seal: it was damaged or replaced after signing",
                    executableRelative));
            }
            else
            {
                findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "code object is not signed at all", executableRelative ?? "."));
            }

            return new MainCode([], null, executableRelative, none);
        }

        var mainFile = code ?? info ?? ReadOnlyMemory<byte>.Empty;
        var mainName = executableRelative ?? "Info.plist";
        var archFindings = new List<Finding>();
        var (cds, cms, classification) = _signatureVerifier.VerifySignature(signature, mainFile, 0, slotSource, "detached", mainName, archFindings);
        findings.AddRange(archFindings);
        var arch = ArchitectureReport.WithoutImage("detached", signature, cds, cms, classification, archFindings);
        return new MainCode([arch], signature, executableRelative, used);
    }

    // The engine reports special-slot problems per CodeDirectory and architecture; for a bundle they mean one thing each.
    private static void MapBundleSlotFindings(List<Finding> findings)
    {
        var mapped = new List<Finding>();
        findings.RemoveAll(f =>
        {
            if (f.Kind is not (FindingKind.SpecialSlotMismatch or FindingKind.SpecialSlotMissing) || f.Slot is not (CodeSigningSlot.InfoPlist or CodeSigningSlot.ResourceDirectory))
            {
                return false;
            }

            var (kind, path, what) = f.Slot == CodeSigningSlot.InfoPlist
                ? (FindingKind.InfoPlistModified, "Info.plist", "Info.plist")
                : (FindingKind.ResourceEnvelopeModified, "_CodeSignature/CodeResources", "the resource envelope (CodeResources)");
            if (!mapped.Any(m => m.Kind == kind))
            {
                mapped.Add(new Finding(kind, FindingSeverity.Error, f.Kind == FindingKind.SpecialSlotMissing
                    ? $"{what} is bound by the signature but missing"
                    : $"{what} was modified after signing: {f.Detail}", path) { Slot = f.Slot });
            }

            return true;
        });
        findings.AddRange(mapped);
    }

    /// <summary>Supplies Info.plist and CodeResources from the bundle (reference §5: always from the bundle, never the signature).</summary>
    private sealed class BundleSlotSource(ReadOnlyMemory<byte>? info, bool infoUnreadable, ReadOnlyMemory<byte>? codeResources,
        BundleStructure structure) : ISpecialSlotSource
    {
        public SpecialSlotContent GetComponent(uint slot) => slot switch
        {
            CodeSigningSlot.InfoPlist => info is { } i ? SpecialSlotContent.Present(i, "bundle Info.plist")
                : infoUnreadable ? SpecialSlotContent.Unavailable("the bundle's Info.plist cannot be read")
                : SpecialSlotContent.Missing(structure.InfoPlistPath),
            CodeSigningSlot.ResourceDirectory => codeResources is { } c ? SpecialSlotContent.Present(c, "_CodeSignature/CodeResources") : SpecialSlotContent.Missing("bundle (_CodeSignature/CodeResources)"),
            _ => SpecialSlotContent.Unavailable("not supplied by a bundle"),
        };
    }
}
