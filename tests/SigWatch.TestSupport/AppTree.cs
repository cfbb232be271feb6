using System.Security;

namespace SigWatch.TestSupport;

/// <summary>Writes minimal (unsigned) macOS app bundle trees for watcher and inventory tests.</summary>
public static class AppTree
{
    public static string InfoPlist(string identifier, string executable, string? shortVersion = null) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
        	<key>CFBundleExecutable</key>
        	<string>{SecurityElement.Escape(executable)}</string>
        	<key>CFBundleIdentifier</key>
        	<string>{SecurityElement.Escape(identifier)}</string>
        	<key>CFBundleName</key>
        	<string>{SecurityElement.Escape(executable)}</string>
        	<key>CFBundleShortVersionString</key>
        	<string>{SecurityElement.Escape(shortVersion ?? "1.0")}</string>
        </dict>
        </plist>
        """;

    /// <summary>Creates <paramref name="appPath"/> with Contents/Info.plist, Contents/MacOS/&lt;exe&gt; and <paramref name="resources"/> extra files.</summary>
    public static string Create(string appPath, string identifier, int resources = 3, string? shortVersion = null)
    {
        var exe = System.IO.Path.GetFileNameWithoutExtension(appPath);
        Directory.CreateDirectory(System.IO.Path.Combine(appPath, "Contents", "MacOS"));
        Directory.CreateDirectory(System.IO.Path.Combine(appPath, "Contents", "Resources"));
        File.WriteAllText(System.IO.Path.Combine(appPath, "Contents", "Info.plist"), InfoPlist(identifier, exe, shortVersion));
        File.WriteAllBytes(System.IO.Path.Combine(appPath, "Contents", "MacOS", exe), [0xCF, 0xFA, 0xED, 0xFE, 0, 0, 0, 0]);
        for (var i = 0; i < resources; i++)
        {
            File.WriteAllText(System.IO.Path.Combine(appPath, "Contents", "Resources", $"r{i}.txt"), $"resource {i}");
        }

        return appPath;
    }

    /// <summary>Copies a directory tree (no symlink following), like `cp -R`.</summary>
    public static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = System.IO.Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (entry is DirectoryInfo dir)
            {
                CopyTree(dir.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }
}
