using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using SigWatch.Core.FileSystem;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Marshals a path to the exact bytes of the name it stands for (<see cref="FileNames.Encode"/>): names that are not
/// valid UTF-8 reach the system call as they are on disk, where UTF-8 string marshalling would substitute U+FFFD.
/// </summary>
[CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(PathMarshaller))]
internal static unsafe class PathMarshaller
{
    public static byte* ConvertToUnmanaged(string managed)
    {
        var bytes = FileNames.Encode(managed);
        if (bytes.AsSpan().IndexOf((byte)0) >= 0)
        {
            throw new ArgumentException($"the path '{FileNames.Display(managed)}' contains a NUL byte", nameof(managed));
        }

        var native = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(native, bytes.Length));
        native[bytes.Length] = 0;
        return native;
    }

    public static void Free(byte* unmanaged) => NativeMemory.Free(unmanaged);
}
