package redisreplay_test

import (
	"fmt"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/redisreplay"
	"github.com/redis/go-redis/v9"
)

// A store for a fleet of servers that share one Redis. Neither the client
// nor New contacts Redis: the first Remember does.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "redis.internal:6379",
		ContextTimeoutEnabled: true, // a request's deadline bounds the round trip
	})
	defer client.Close()

	store, err := redisreplay.New(redisreplay.Config{Client: client})
	if err != nil {
		fmt.Println(err)
		return
	}
	var replays dpop.ReplayStore = store // what the DPoP checker takes
	fmt.Printf("%T\n", replays)
	// Output: *redisreplay.Store
}

// New refuses a configuration that would not work, before any request.
func ExampleNew() {
	_, err := redisreplay.New(redisreplay.Config{})
	fmt.Println(err)

	client := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
	defer client.Close()
	_, err = redisreplay.New(redisreplay.Config{Client: client})
	fmt.Println(err)
	// Output:
	// redisreplay: Config.Client is nil
	// redisreplay: the client ignores request deadlines; create it with ContextTimeoutEnabled: true
}
