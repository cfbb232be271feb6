using System.Security.Cryptography;
using System.Text;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.Core.Plist;
using SigWatch.Core.Seal;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a bundle on disk and ad-hoc seals it as codesign would: nested code first (inside out), then
/// <c>_CodeSignature/CodeResources</c> with Apple's default rules/rules2 and files/files2 (SHA-1 v1 entries, SHA-256
/// <c>hash2</c>, symlink targets, nested code with its cdhash and <c>cdhash H"…"</c> requirement), then the main
/// executable with the Info.plist and CodeResources special slots bound. Without an executable the signature is
/// written as detached files in <c>_CodeSignature/</c> over the Info.plist. The result verifies valid until a test
/// changes something.
/// </summary>
public sealed class BundleBuilder
{
    private readonly List<(string Path, byte[] Content)> _files = [];
    private readonly List<(string Path, string Target)> _symlinks = [];
    private readonly List<(string Path, BundleBuilder Bundle)> _nestedBundles = [];
    private readonly List<(string Path, string Identifier)> _nestedMachO = [];

    public BundleBuilder(string name, BundleShape shape = BundleShape.Deep)
    {
        Name = name;
        Shape = shape;
        Identifier = "com.example." + Path.GetFileNameWithoutExtension(name).ToLowerInvariant();
        ExecutableName = Path.GetFileNameWithoutExtension(name);
    }

    /// <summary>The bundle directory's name, e.g. <c>Test.app</c>.</summary>
    public string Name { get; }

    public BundleShape Shape { get; }

    public string Identifier { get; set; }

    /// <summary>CFBundleExecutable; null builds a bundle without an executable (detached signature files).</summary>
    public string? ExecutableName { get; set; }

    /// <summary>The framework version directory name (frameworks only).</summary>
    public string Version { get; set; } = "A";

    /// <summary>
    /// The requirement an enclosing bundle's seal records for this one; null records <c>cdhash H"…"</c>, as codesign does
    /// for ad-hoc code.
    /// </summary>
    public string? SealedRequirement { get; set; }

    /// <summary>Hash types of the main executable's CodeDirectories.</summary>
    public CodeHashType[] HashTypes { get; set; } = [CodeHashType.Sha256];

    /// <summary>Adds a file at a path relative to the resource root (e.g. <c>Resources/a.txt</c>).</summary>
    public BundleBuilder WithFile(string relativePath, string content) => WithFile(relativePath, Encoding.UTF8.GetBytes(content));

    public BundleBuilder WithFile(string relativePath, byte[] content)
    {
        _files.Add((relativePath, content));
        return this;
    }

    /// <summary>Adds a symlink at a resource-root-relative path with a verbatim target.</summary>
    public BundleBuilder WithSymlink(string relativePath, string target)
    {
        _symlinks.Add((relativePath, target));
        return this;
    }

    /// <summary>Nests a bundle (framework, helper app, XPC service, plug-in) at a resource-root-relative path's parent.</summary>
    public BundleBuilder WithNestedBundle(string relativeDirectory, BundleBuilder bundle)
    {
        _nestedBundles.Add((relativeDirectory.Length == 0 ? bundle.Name : relativeDirectory + "/" + bundle.Name, bundle));
        return this;
    }

    /// <summary>A versioned framework in <c>Frameworks/</c> with Versions/A, Current and the root symlinks.</summary>
    public BundleBuilder WithFramework(string name, Action<BundleBuilder>? configure = null)
    {
        var framework = new BundleBuilder(name + ".framework", BundleShape.Framework).WithFile("Resources/" + name + ".txt", name);
        configure?.Invoke(framework);
        return WithNestedBundle("Frameworks", framework);
    }

    /// <summary>A helper app at <c>Library/LoginItems/&lt;name&gt;.app</c> (or another nested-code directory).</summary>
    public BundleBuilder WithHelperApp(string name, string directory = "Library/LoginItems", Action<BundleBuilder>? configure = null)
    {
        var helper = new BundleBuilder(name + ".app").WithFile("Resources/helper.txt", name);
        configure?.Invoke(helper);
        return WithNestedBundle(directory, helper);
    }

    /// <summary>A signed single Mach-O nested file (e.g. <c>MacOS/tool</c>, <c>Frameworks/libx.dylib</c>).</summary>
    public BundleBuilder WithNestedMachO(string relativePath, string? identifier = null)
    {
        _nestedMachO.Add((relativePath, identifier ?? Path.GetFileNameWithoutExtension(relativePath)));
        return this;
    }

    /// <summary>The Info.plist text this builder writes.</summary>
    public string InfoPlistText()
    {
        var exe = ExecutableName is null ? string.Empty : $"\t<key>CFBundleExecutable</key>\n\t<string>{System.Security.SecurityElement.Escape(ExecutableName)}</string>\n";
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
            + "<plist version=\"1.0\">\n<dict>\n" + exe
            + $"\t<key>CFBundleIdentifier</key>\n\t<string>{System.Security.SecurityElement.Escape(Identifier)}</string>\n"
            + "\t<key>CFBundlePackageType</key>\n\t<string>" + (Shape == BundleShape.Framework ? "FMWK" : "APPL") + "</string>\n"
            + "</dict>\n</plist>\n";
    }

    /// <summary>Writes and seals the bundle inside <paramref name="parentDirectory"/>; returns the bundle path.</summary>
    public string Build(string parentDirectory)
    {
        var bundle = Path.Combine(parentDirectory, Name);
        Directory.CreateDirectory(bundle);
        var root = Shape switch
        {
            BundleShape.Deep => Path.Combine(bundle, "Contents"),
            BundleShape.Framework => Path.Combine(bundle, "Versions", Version),
            _ => bundle,
        };
        Directory.CreateDirectory(root);

        var info = Encoding.UTF8.GetBytes(InfoPlistText());
        var infoPath = Shape switch
        {
            BundleShape.Framework => Path.Combine(root, "Resources", "Info.plist"),
            _ => Path.Combine(root, "Info.plist"),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(infoPath)!);
        File.WriteAllBytes(infoPath, info);

        foreach (var (path, content) in _files)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }

        foreach (var (path, target) in _symlinks)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.CreateSymbolicLink(full, target);
        }

        var nested = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var sealedRequirements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, child) in _nestedBundles)
        {
            var parent = Path.GetDirectoryName(Path.Combine(root, path))!;
            Directory.CreateDirectory(parent);
            var built = child.Build(parent);
            nested[path] = child.MainCdHash(built);
            if (child.SealedRequirement is { } requirement)
            {
                sealedRequirements[path] = requirement;
            }
        }

        foreach (var (path, identifier) in _nestedMachO)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var bytes = new MachOBuilder { Identifier = identifier, FileType = MachConstants.MH_DYLIB, Seed = identifier.Length }.Build();
            File.WriteAllBytes(full, bytes);
            nested[path] = CdHashOf(bytes);
        }

        string? executableRelative = null;
        if (ExecutableName is not null)
        {
            executableRelative = Shape == BundleShape.Deep ? "MacOS/" + ExecutableName : ExecutableName;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, executableRelative))!);
        }

        var codeResources = Seal(root, executableRelative, nested, sealedRequirements);
        var signatureDirectory = Path.Combine(root, "_CodeSignature");
        Directory.CreateDirectory(signatureDirectory);
        File.WriteAllBytes(Path.Combine(signatureDirectory, "CodeResources"), codeResources);

        if (executableRelative is not null)
        {
            var exe = new MachOBuilder { Identifier = Identifier, Seed = Identifier.Length }
                .WithHashTypes(HashTypes)
                .ConfigureCodeDirectory(d => d.WithSpecialSlot(CodeSigningSlot.InfoPlist, info).WithSpecialSlot(CodeSigningSlot.ResourceDirectory, codeResources))
                .Build();
            File.WriteAllBytes(Path.Combine(root, executableRelative), exe);
        }
        else
        {
            var requirements = SuperBlobBuilder.EmptyRequirements();
            var directory = new CodeDirectoryBuilder { Identifier = Identifier, PageSizeLog2 = 0, HashType = CodeHashType.Sha256 }
                .WithSpecialSlot(CodeSigningSlot.InfoPlist, info)
                .WithSpecialSlot(CodeSigningSlot.Requirements, requirements)
                .WithSpecialSlot(CodeSigningSlot.ResourceDirectory, codeResources)
                .Build(info);
            File.WriteAllBytes(Path.Combine(signatureDirectory, "CodeDirectory"), directory);
            File.WriteAllBytes(Path.Combine(signatureDirectory, "CodeRequirements"), requirements);
            File.WriteAllBytes(Path.Combine(signatureDirectory, "CodeSignature"), []);
        }

        if (Shape == BundleShape.Framework)
        {
            var versions = Path.Combine(bundle, "Versions");
            File.CreateSymbolicLink(Path.Combine(versions, "Current"), Version);
            if (ExecutableName is not null)
            {
                File.CreateSymbolicLink(Path.Combine(bundle, ExecutableName), "Versions/Current/" + ExecutableName);
            }

            File.CreateSymbolicLink(Path.Combine(bundle, "Resources"), "Versions/Current/Resources");
        }

        return bundle;
    }

    /// <summary>The cdhash of the built bundle's main code (for its parent's files2 entry).</summary>
    public byte[] MainCdHash(string bundlePath)
    {
        var root = Shape switch
        {
            BundleShape.Deep => Path.Combine(bundlePath, "Contents"),
            BundleShape.Framework => Path.Combine(bundlePath, "Versions", Version),
            _ => bundlePath,
        };
        if (ExecutableName is null)
        {
            return CodeDirectory.Parse(File.ReadAllBytes(Path.Combine(root, "_CodeSignature", "CodeDirectory"))).CdHash.ToArray();
        }

        var exe = Shape == BundleShape.Deep ? Path.Combine(root, "MacOS", ExecutableName) : Path.Combine(root, ExecutableName);
        return CdHashOf(File.ReadAllBytes(exe));
    }

    private static byte[] CdHashOf(byte[] machO)
    {
        var image = MachFile.Read(machO).Slices[0].Image!;
        image.TryGetCodeSignature(out var signature);
        return CodeSignature.ReadEmbedded(signature, 0).Best!.CdHash.ToArray();
    }

    // SEC ResourceBuilder::scan as the signer runs it, with the same implicit exclusions as verification.
    private byte[] Seal(string root, string? executableRelative, Dictionary<string, byte[]> nested, Dictionary<string, string> sealedRequirements)
    {
        var withResources = Shape != BundleShape.Shallow;
        var rules = DefaultResourceRules.Rules(withResources);
        var rules2 = DefaultResourceRules.Rules2(withResources);
        var v1 = RuleSet(rules, executableRelative);
        var v2 = RuleSet(rules2, executableRelative);
        var files = new List<KeyValuePair<string, PlistValue>>();
        var files2 = new List<KeyValuePair<string, PlistValue>>();
        foreach (var (relative, info) in Walk(root, string.Empty, v2))
        {
            var rule2 = v2.FindRule(relative);
            if (info is DirectoryInfo)
            {
                files2.Add(new(relative, NestedEntry(relative, nested, sealedRequirements, rule2)));
                continue;
            }

            if (info.LinkTarget is { } target)
            {
                if (rule2 is { IsOutsideSeal: false })
                {
                    files2.Add(new(relative, Dict(("symlink", new PlistString(target)))));
                }

                continue;
            }

            var bytes = File.ReadAllBytes(info.FullName);
            if (v1.FindRule(relative) is { IsOutsideSeal: false } rule1)
            {
                files.Add(new(relative, rule1.Optional
                    ? Dict(("hash", new PlistData(SHA1.HashData(bytes))), ("optional", PlistBoolean.True))
                    : new PlistData(SHA1.HashData(bytes))));
            }

            if (rule2 is { IsOutsideSeal: false })
            {
                files2.Add(new(relative, rule2.Nested
                    ? NestedEntry(relative, nested, sealedRequirements, rule2)
                    : rule2.Optional
                        ? Dict(("hash2", new PlistData(SHA256.HashData(bytes))), ("optional", PlistBoolean.True))
                        : Dict(("hash2", new PlistData(SHA256.HashData(bytes))))));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        files2.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var plist = Dict(("files", new PlistDictionary(files)), ("files2", new PlistDictionary(files2)), ("rules", rules), ("rules2", rules2));
        return XmlPropertyListWriter.Write(plist);
    }

    private static PlistDictionary NestedEntry(string relative, Dictionary<string, byte[]> nested, Dictionary<string, string> sealedRequirements,
        ResourceRule? rule)
    {
        if (!nested.TryGetValue(relative, out var cdhash))
        {
            throw new InvalidOperationException($"'{relative}' matches a nested-code rule ({rule}) but is not signed code; codesign refuses to sign this bundle");
        }

        var requirement = sealedRequirements.GetValueOrDefault(relative) ?? $"cdhash H\"{Convert.ToHexStringLower(cdhash)}\"";
        return Dict(("cdhash", new PlistData(cdhash)), ("requirement", new PlistString(requirement)));
    }

    private static IEnumerable<(string Relative, FileSystemInfo Info)> Walk(string directory, string relative, ResourceRuleSet rules)
    {
        foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var path = relative.Length == 0 ? info.Name : relative + "/" + info.Name;
            var rule = rules.FindRule(path);
            if (info is DirectoryInfo dir && info.LinkTarget is null)
            {
                if (rule is { Exclusion: true })
                {
                    continue;
                }

                if (rule is { Nested: true, Omit: false } && info.Name.Contains('.', StringComparison.Ordinal))
                {
                    yield return (path, dir);
                    continue;
                }

                foreach (var child in Walk(dir.FullName, path, rules))
                {
                    yield return child;
                }

                continue;
            }

            if (rule is { Exclusion: true })
            {
                continue;
            }

            yield return (path, info is DirectoryInfo ? new FileInfo(info.FullName) : info);
        }
    }

    private static ResourceRuleSet RuleSet(PlistDictionary rules, string? executableRelative)
    {
        var parsed = CodeResources.Parse(XmlPropertyListWriter.Write(Dict(("files2", PlistDictionary.Empty), ("rules2", rules)))).Rules;
        List<ResourceRule> exclusions = [.. new[] { "^_CodeSignature$", "^CodeResources$", "^_MASReceipt$" }.Select(ResourceRule.CreateExclusion)];
        if (executableRelative is not null)
        {
            exclusions.Add(ResourceRule.CreateExclusion("^" + System.Text.RegularExpressions.Regex.Escape(executableRelative) + "$"));
        }

        return new ResourceRuleSet(exclusions, parsed);
    }

    private static PlistDictionary Dict(params (string Key, PlistValue Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, PlistValue>(e.Key, e.Value)));
}
