import Dispatch
import Foundation

// The process's entry point, synchronous on purpose. Swift's `async` main hands the main thread to
// `dispatch_main()`, which ends it with `pthread_exit`: a forced unwind of the main thread's stack that
// searches the executable's unwind tables (`.eh_frame_hdr`, `.eh_frame`) and leaves ~2.7 MB of them resident
// in every Skiff process for good. Here the main thread waits for the command on a semaphore instead, and
// nothing in Skiff runs on the main actor or the main dispatch queue.
SignalHandling.unblockTerminationSignals()
let finished = DispatchSemaphore(value: 0)
Task.detached {
    await Skiff.parseAndRun()
    finished.signal()
}
finished.wait()
exit(0)
