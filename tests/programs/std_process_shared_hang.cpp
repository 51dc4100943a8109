// Hangs across processes: the parent keeps a process-shared mutex (in shared memory) and waits for its
// forked child, which waits for that mutex. No detector can prove it (a lock another process holds may
// be released): the run ends at its timeout, whose report must name the parent's thread as the holder
// of the lock the child waits for.
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
int main() {
  auto* m = static_cast<pthread_mutex_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(m, &a);
  pthread_mutex_lock(m);
  pid_t c = fork();
  if (c == 0) {
    pthread_mutex_lock(m);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);  // never: the child waits for the lock this process keeps
  pthread_mutex_unlock(m);
}
