using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Plist;

/// <summary>Every property list shipped in the real signed artifacts under ../shared/fixtures/real parses.</summary>
public sealed class PlistRealFixtureTests
{
    /// <summary>
    /// Info.plist files, sealed-resource lists (only under _CodeSignature: a file called CodeResources directly
    /// in Contents/ can be a notarization ticket, and *.ticket files are tickets) and entitlement plists.
    /// </summary>
    public static TheoryData<string> PropertyListFixtures() => Rows(FixturePaths());

    private static TheoryData<string> Rows(List<string> paths)
    {
        // When the fixtures are absent the theory is skipped with the stated reason; xunit still needs one row.
        var data = new TheoryData<string>();
        foreach (var path in paths.DefaultIfEmpty("(fixtures absent)"))
        {
            data.Add(path);
        }

        return data;
    }

    private static List<string> FixturePaths()
    {
        var data = new List<string>();
        if (!RepoPaths.HasRealFixtures)
        {
            return data;
        }

        foreach (var path in Directory.EnumerateFiles(RepoPaths.RealFixtures, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var isSeal = name == "CodeResources" && Path.GetFileName(Path.GetDirectoryName(path)) == "_CodeSignature";
            if (name == "Info.plist" || isSeal || name.EndsWith(".xcent", StringComparison.Ordinal) || name.EndsWith(".entitlements", StringComparison.Ordinal))
            {
                data.Add(Path.GetRelativePath(RepoPaths.RealFixtures, path));
            }
        }

        return data;
    }

    [RealFixturesTheory]
    [MemberData(nameof(PropertyListFixtures))]
    public void Read_RealFixture_Parses(string relativePath)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, relativePath));
        var value = PropertyList.Read(bytes);
        Assert.IsType<PlistDictionary>(value);

        // Both writers accept what the readers produce, and each encoding reads back equal.
        PlistAssert.Equal(value, PropertyList.Read(XmlPropertyListWriter.Write(value)));
        PlistAssert.Equal(value, PropertyList.Read(BinaryPropertyListWriter.Write(value)));
    }

    [RealFixturesFact]
    public void Read_RealFixtures_FindsEveryKind()
    {
        var paths = FixturePaths();
        Assert.Contains(paths, p => p.EndsWith("Info.plist", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.EndsWith("_CodeSignature/CodeResources", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.EndsWith(".xcent", StringComparison.Ordinal));
        Assert.Contains(paths, p => PropertyList.DetectFormat(File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, p))) == PropertyListFormat.Binary);
    }

    [RealFixturesFact]
    public void Read_RealCodeResources_HasAppleSealShape()
    {
        var path = Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp/DevSignedApp.app/Contents/_CodeSignature/CodeResources");
        var seal = (PlistDictionary)PropertyList.Read(File.ReadAllBytes(path));
        var files2 = seal.GetDictionary("files2");
        Assert.NotNull(files2);
        var entry = files2!.GetDictionary("Resources/Base.lproj/MainMenu.nib");
        Assert.Equal(32, entry!.GetData("hash2")!.Value.Length);
        Assert.Equal(1000.0, ((PlistReal)seal.GetDictionary("rules")!.GetDictionary("^Resources/.*\\.lproj/")!["weight"]).Value);
    }

    /// <summary>
    /// Apple-written XML CodeResources files come back byte for byte from our writer. Every CodeResources in
    /// the fixtures is XML written by codesign (CoreFoundation), so this pins our layout to Apple's.
    /// </summary>
    public static TheoryData<string> XmlSealFixtures() =>
        Rows(FixturePaths().Where(p => p.EndsWith("_CodeSignature/CodeResources", StringComparison.Ordinal)).ToList());

    [RealFixturesTheory]
    [MemberData(nameof(XmlSealFixtures))]
    public void Write_RealCodeResources_ReproducesAppleBytes(string relativePath)
    {
        var original = File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, relativePath));
        var written = XmlPropertyListWriter.Write(PropertyList.Read(original));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(original), System.Text.Encoding.UTF8.GetString(written));
    }
}
